"use client";

import { useState, type FormEvent } from "react";
import { asyncHandler } from "../../lib/client/async-handler";
import { callJson } from "../../lib/client/json-api";
import { usePolling } from "../../lib/client/use-polling";
import { THRESHOLD_METRICS, type AlertRule, type ThresholdMetric } from "../../lib/shared/alert-types";
import { useIsAdmin } from "../session/user-context";
import { Button } from "../ui/button";
import { DataTable } from "../ui/data-table";
import { ErrorNotice } from "../ui/error-notice";
import { DeleteButton, PanelForm, TextField, usePanelAction } from "./panel-form";

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

const METRIC_LABEL: Record<ThresholdMetric, string> = {
  cpu: "CPU %",
  memory: "memory used %",
  disk: "disk used % of a mount",
  load: "load (1 min)",
  "service-cpu": "a service's CPU %",
  "service-rss": "a service's RSS (MiB)",
};

/** The rules: built-in ones on by default (off, not deleted); threshold rules added here or with the API. */
export function RulesPanel() {
  const admin = useIsAdmin();
  const polled = usePolling(() => callJson<{ rules: AlertRule[] }>("GET", "/api/alerts/rules").then((r) => r.rules), 0, []);
  const { busy, error, act } = usePanelAction(polled.refresh);
  const toggle = (r: AlertRule) => act(() => callJson("PATCH", `/api/alerts/rules/${r.id}`, { enabled: !r.enabled }));
  const remove = (r: AlertRule) => act(() => callJson("DELETE", `/api/alerts/rules/${r.id}`));
  const [id, setId] = useState("");
  const [metric, setMetric] = useState<ThresholdMetric>("cpu");
  const [threshold, setThreshold] = useState("90");
  const [forSeconds, setForSeconds] = useState("60");
  const [selector, setSelector] = useState("");
  const [service, setService] = useState("");
  const [mount, setMount] = useState("/");
  const create = (e: FormEvent) => {
    e.preventDefault();
    const rss = metric === "service-rss";
    return act(async () => {
      await callJson("POST", "/api/alerts/rules", {
        id,
        metric,
        threshold: Number(threshold) * (rss ? 1024 * 1024 : 1),
        forSeconds: Number(forSeconds),
        selector,
        ...(metric.startsWith("service-") ? { service } : {}),
        ...(metric === "disk" ? { mount } : {}),
      });
      setId("");
    });
  };
  return (
    <section className="card" data-testid="rules-panel">
      <div className="card-header">
        <div>
          <h2>Rules</h2>
          <p className="muted">
            Built-in rules notify every channel. Threshold rules (CPU, memory, disk, load, a service&rsquo;s CPU or RSS above a value for a time) are added below or with <code>POST /api/alerts/rules</code>.
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
                <td className="num stack-actions nowrap">
                  <Button size="sm" variant="ghost" disabled={busy} onClick={asyncHandler(() => toggle(r))} data-testid={`rule-toggle-${r.id}`}>
                    {r.enabled ? "Turn off" : "Turn on"}
                  </Button>
                  {r.builtIn ? null : <DeleteButton onDelete={() => remove(r)} disabled={busy} testId={`rule-delete-${r.id}`} />}
                </td>
              ) : null}
            </tr>
          ))}
        </DataTable>
        {admin ? (
          <PanelForm onSubmit={create} testId="rule-create-form">
            <TextField id="rule-id" label="Name" placeholder="cpu-high" value={id} onChange={setId} required />
            <div className="field">
              <label htmlFor="rule-metric">When</label>
              <select id="rule-metric" className="input" value={metric} onChange={(e) => setMetric(e.target.value as ThresholdMetric)} data-testid="rule-metric">
                {THRESHOLD_METRICS.map((m) => (
                  <option key={m} value={m}>
                    {METRIC_LABEL[m]}
                  </option>
                ))}
              </select>
            </div>
            <TextField id="rule-threshold" label="is above" type="number" value={threshold} onChange={setThreshold} required />
            <TextField id="rule-for" label="for (seconds)" type="number" value={forSeconds} onChange={setForSeconds} required />
            {metric === "disk" ? <TextField id="rule-mount" label="Mount" value={mount} onChange={setMount} required /> : null}
            {metric.startsWith("service-") ? <TextField id="rule-service" label="Service (empty: every one)" value={service} onChange={setService} /> : null}
            <TextField id="rule-selector" label="Machines (selector)" placeholder="env=prod" value={selector} onChange={setSelector} />
            <Button type="submit" variant="primary" disabled={busy} data-testid="rule-create">
              Add rule
            </Button>
          </PanelForm>
        ) : null}
      </div>
    </section>
  );
}
