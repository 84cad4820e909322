import "server-only";
// GET /metrics on the console (same credentials as the API): Prometheus text with the firing
// alerts per rule, so the console itself can be scraped and alerted on.
import type { NextRequest } from "next/server";
import { authorize } from "../auth/authorize";
import { getAlertEngine } from "./alerts";

const escapeLabel = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export function consoleMetricsText(): string {
  const engine = getAlertEngine();
  const lines = ["# HELP sysward_alerts_firing Alerts firing now, per rule.", "# TYPE sysward_alerts_firing gauge"];
  for (const [rule, n] of engine.firingByRule()) lines.push(`sysward_alerts_firing{rule="${escapeLabel(rule)}"} ${n}`);
  lines.push("# HELP sysward_alert_evaluation_seconds How long the last evaluation of every rule took.", "# TYPE sysward_alert_evaluation_seconds gauge", `sysward_alert_evaluation_seconds ${(engine.lastEvaluationMs / 1000).toFixed(6)}`);
  return `${lines.join("\n")}\n`;
}

export function handleConsoleMetrics(req: NextRequest): Response {
  const auth = authorize(req, "read");
  if (auth instanceof Response) return auth;
  return new Response(consoleMetricsText(), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" } });
}
