"use client";

import Link from "next/link";
import { useState } from "react";
import { callJson } from "../../lib/client/json-api";
import { formatDateTime } from "../../lib/client/format";
import { usePolling } from "../../lib/client/use-polling";
import type { Alert } from "../../lib/shared/alert-types";
import { DataTable } from "../ui/data-table";
import { EmptyState } from "../ui/empty-state";
import { ErrorNotice } from "../ui/error-notice";
import { StatusPill } from "../ui/status-pill";
import { AlertDeliveries } from "./alert-deliveries";

const TABS = [
  { state: "firing", label: "Firing" },
  { state: "pending", label: "Pending" },
  { state: "silenced", label: "Silenced" },
  { state: "resolved", label: "History" },
] as const;
type Tab = (typeof TABS)[number]["state"];

const TONE = { firing: "failed", pending: "warn", resolved: "running" } as const;

/** Alerts by state, refreshed every 2 s; the history pages back 100 at a time. */
export function AlertsList() {
  const [tab, setTab] = useState<Tab>("firing");
  const [shown, setShown] = useState<number | null>(null);
  const polled = usePolling((signal) => callJson<{ alerts: Alert[] }>("GET", `/api/alerts?state=${tab}&limit=100`).then((r) => (signal.aborted ? [] : r.alerts)), 2000, [tab]);
  const alerts = polled.data ?? [];
  return (
    <section className="card" data-testid="alerts-list" data-tab={tab} data-loaded={!polled.loading}>
      <div className="card-header">
        <div className="row" role="tablist" aria-label="Alert state">
          {TABS.map((t) => (
            <button key={t.state} type="button" role="tab" aria-selected={tab === t.state} className={`btn btn-sm${tab === t.state ? " btn-primary" : ""}`} onClick={() => setTab(t.state)} data-testid={`alerts-tab-${t.state}`}>
              {t.label}
            </button>
          ))}
        </div>
      </div>
      <div className="card-body stack">
        {polled.error ? <ErrorNotice message={polled.error instanceof Error ? polled.error.message : String(polled.error)} testId="alerts-error" /> : null}
        {alerts.length === 0 ? (
          <EmptyState title={tab === "resolved" ? "No resolved alerts yet" : `Nothing ${TABS.find((t) => t.state === tab)!.label.toLowerCase()}`} testId="alerts-empty">
            {tab === "firing" ? "Every rule is quiet." : null}
          </EmptyState>
        ) : (
          <DataTable columns={["Alert", "Machine", "State", "Since", "Resolved"]} testId="alerts-table">
            {alerts.map((a) => (
              <tr key={a.id} data-testid={`alert-row-${a.ruleId}-${a.agentId}${a.service ? `-${a.service}` : ""}`} data-state={a.state} data-silenced={a.silenced}>
                <td className="stack-head">
                  <strong>{a.ruleId}</strong>
                  {a.service ? <span className="muted"> · {a.service}</span> : null}
                  <div className="muted">{a.summary}</div>
                  <button type="button" className="btn btn-sm btn-ghost" onClick={() => setShown(shown === a.id ? null : a.id)} aria-expanded={shown === a.id} data-testid={`alert-deliveries-toggle-${a.id}`}>
                    {shown === a.id ? "Hide deliveries" : "Deliveries"}
                  </button>
                  {shown === a.id ? <AlertDeliveries alertId={a.id} /> : null}
                </td>
                <td data-label="Machine">
                  {a.agentId ? (
                    <Link href={`/agents/${encodeURIComponent(a.agentId)}`} prefetch={false}>
                      {a.machineName}
                    </Link>
                  ) : (
                    <span className="muted">fleet</span>
                  )}
                </td>
                <td data-label="State">
                  <StatusPill tone={TONE[a.state]}>{a.silenced ? `${a.state}, silenced` : a.state}</StatusPill>
                  <span className="muted"> {a.severity}</span>
                </td>
                <td className="nowrap" data-label="Since">
                  {formatDateTime(a.firedAt ?? a.startedAt, true)}
                </td>
                <td className="nowrap" data-label="Resolved">
                  {a.resolvedAt ? formatDateTime(a.resolvedAt, true) : "—"}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </div>
    </section>
  );
}
