"use client";

import { asyncHandler } from "../../lib/client/async-handler";
import { callJson } from "../../lib/client/json-api";
import { usePolling } from "../../lib/client/use-polling";
import type { AlertRule } from "../../lib/shared/alert-types";
import { useIsAdmin } from "../session/user-context";
import { Button } from "../ui/button";
import { DataTable } from "../ui/data-table";
import { ErrorNotice } from "../ui/error-notice";
import { usePanelAction } from "./panel-form";

function describe(r: AlertRule): string {
  const parts: string[] = [];
  if (r.kind === "threshold") parts.push(`${r.metric}${r.mount ? ` ${r.mount}` : ""} > ${r.threshold}`);
  if (r.kind === "service-restarts") parts.push(`> ${r.restarts} restarts in ${r.windowMinutes} min`);
  if (r.kind === "certificate-expiring") parts.push(`within ${r.days} days`);
  if (r.forSeconds) parts.push(`for ${r.forSeconds} s`);
  if (r.selector) parts.push(`machines ${r.selector}`);
  if (r.service) parts.push(`service ${r.service}`);
  return parts.join(" · ") || "—";
}

/** The rules: built-in ones on by default; threshold rules are added through the API or `sysward alerts`. */
export function RulesPanel() {
  const admin = useIsAdmin();
  const polled = usePolling(() => callJson<{ rules: AlertRule[] }>("GET", "/api/alerts/rules").then((r) => r.rules), 0, []);
  const { busy, error, act } = usePanelAction(polled.refresh);
  const toggle = (r: AlertRule) => act(() => callJson("PATCH", `/api/alerts/rules/${r.id}`, { enabled: !r.enabled }));
  return (
    <section className="card" data-testid="rules-panel">
      <div className="card-header">
        <div>
          <h2>Rules</h2>
          <p className="muted">
            Threshold rules (CPU, memory, disk, load, per-service CPU or RSS) are added with <code>POST /api/alerts/rules</code>.
          </p>
        </div>
      </div>
      <div className="card-body stack">
        {error ? <ErrorNotice message={error} testId="rules-error" /> : null}
        <DataTable columns={["Rule", "When", "Severity", "State"]} actions={admin} testId="rules-table">
          {(polled.data ?? []).map((r) => (
            <tr key={r.id} data-testid={`rule-row-${r.id}`} data-enabled={r.enabled}>
              <td className="stack-head">
                <strong>{r.id}</strong>
                {r.builtIn ? <span className="muted"> · built in</span> : null}
              </td>
              <td data-label="When">{describe(r)}</td>
              <td data-label="Severity">{r.severity}</td>
              <td data-label="State">{r.enabled ? "on" : "off"}</td>
              {admin ? (
                <td className="num stack-actions">
                  <Button size="sm" variant="ghost" disabled={busy} onClick={asyncHandler(() => toggle(r))} data-testid={`rule-toggle-${r.id}`}>
                    {r.enabled ? "Turn off" : "Turn on"}
                  </Button>
                </td>
              ) : null}
            </tr>
          ))}
        </DataTable>
      </div>
    </section>
  );
}
