// `sysward alerts [--state firing|pending|silenced|resolved] [--agent <id>]`: the console's alerts
// (open ones first, then the latest resolved), as the alert engine holds them.
import { ConsoleClient, queryString } from "../console-client";
import { loadCredentials } from "../config";
import { formatDuration, formatTable } from "../output";
import type { CommandContext } from "./command-context";

interface Alert {
  ruleId: string;
  agentId: string;
  machineName: string;
  service: string;
  state: string;
  severity: string;
  summary: string;
  startedAt: number;
  firedAt: number | null;
  resolvedAt: number | null;
  silenced: boolean;
}

export async function alerts(ctx: CommandContext, inv: { state?: string; agent?: string }): Promise<void> {
  const client = new ConsoleClient(loadCredentials(ctx.env));
  const query = queryString({ state: inv.state, agent: inv.agent });
  const { alerts: list } = await client.getJson<{ alerts: Alert[] }>(`/api/alerts${query}`, "listing alerts", ctx.signal);
  ctx.out.data({ alerts: list });
  if (list.length === 0) return ctx.out.result(inv.state ? `no ${inv.state} alerts` : "no alerts");
  const now = Date.now();
  const rows = list.map((a) => [
    a.silenced ? `${a.state} (silenced)` : a.state,
    a.ruleId,
    a.agentId || "-",
    a.service || "-",
    a.resolvedAt ? `resolved ${formatDuration((now - a.resolvedAt) / 1000)} ago` : formatDuration((now - (a.firedAt ?? a.startedAt)) / 1000),
    a.summary,
  ]);
  ctx.out.result(formatTable(["STATE", "RULE", "AGENT", "SERVICE", "FOR", "SUMMARY"], rows));
}
