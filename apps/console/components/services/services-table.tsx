"use client";

import { timestampMs } from "@bufbuild/protobuf/wkt";
import { InstallPhase, ServiceState, type Service } from "@sysward/proto";
import { useState } from "react";
import { describeError } from "../../lib/client/errors";
import { formatBytes, formatDuration, formatPercent } from "../../lib/client/format";
import { useAgentClient } from "../../lib/client/transport";
import { AlertBadge } from "../alerts/alert-badge";
import { useIsAdmin } from "../session/user-context";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { EmptyState } from "../ui/empty-state";
import { ErrorNotice, Notice } from "../ui/error-notice";
import { SERVICE_ACTIONS, type ServiceActionSpec } from "./service-action";
import { ServiceStatePill } from "./service-state-pill";
import styles from "./services-table.module.css";
import { DataTable } from "../ui/data-table";
import { asyncHandler } from "../../lib/client/async-handler";

const INSTALLING = new Set([InstallPhase.RECEIVING, InstallPhase.VERIFYING, InstallPhase.STARTING, InstallPhase.HEALTH]);

interface Pending {
  action: ServiceActionSpec;
  service: Service;
}

export interface ServicesTableProps {
  agentId: string;
  services: Service[] | undefined;
  loadError: string | null;
  /** Ask ListServices again now (after an action). */
  onChanged(): void;
  onShowLogs(name: string): void;
}

export function ServicesTable({ agentId, services, loadError, onChanged, onShowLogs }: ServicesTableProps) {
  const client = useAgentClient(agentId);
  const admin = useIsAdmin();
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  async function confirm() {
    if (!pending) return;
    setBusy(true);
    setResult(null);
    try {
      await pending.action.run(client, pending.service, AbortSignal.timeout(120_000));
      setResult({ ok: true, text: pending.action.done(pending.service) });
    } catch (err) {
      setResult({ ok: false, text: `${pending.action.label} ${pending.service.name} failed: ${describeError(err)}` });
    } finally {
      setBusy(false);
      setPending(null);
      onChanged();
    }
  }

  return (
    <section className="card" data-testid="services-card">
      <div className="card-header">
        <div>
          <h2>Services</h2>
          <p className="muted">{services ? summary(services) : loadError ? "Unavailable" : "Loading…"}</p>
        </div>
      </div>
      <div className="card-body" style={{ paddingLeft: 0, paddingRight: 0, paddingBottom: 0 }}>
        {(loadError || result) && (
          <div className={styles.notices}>
            {loadError ? <ErrorNotice title="Could not list services" message={loadError} testId="services-error" /> : null}
            {result && !result.ok ? <ErrorNotice message={result.text} testId="action-error" /> : null}
            {result?.ok ? (
              <Notice tone="success" testId="action-result">
                {result.text}
              </Notice>
            ) : null}
          </div>
        )}
        {services && services.length === 0 ? (
          <EmptyState title="No services installed" testId="services-empty">
            {admin ? "Upload a ZIP package below to install the first one." : "An admin can install packages on this agent."}
          </EmptyState>
        ) : null}
        {services && services.length > 0 ? (
          <DataTable columns={["Name", "Version", "State", { label: "CPU", num: true }, { label: "RSS", num: true }, { label: "Uptime", num: true }, { label: "Restarts", num: true }]} actions testId="services-table">
            {services.map((s) => (
              <ServiceRow key={s.name} agentId={agentId} service={s} admin={admin} onAction={(action) => setPending({ action, service: s })} onShowLogs={onShowLogs} />
            ))}
          </DataTable>
        ) : null}
        {!services && !loadError ? <div className="chart-empty">Loading services…</div> : null}
      </div>
      <ConfirmDialog
        open={pending !== null}
        title={pending ? pending.action.title(pending.service) : ""}
        confirmLabel={pending?.action.confirmLabel ?? "OK"}
        danger={pending?.action.danger}
        busy={busy}
        onConfirm={asyncHandler(confirm)}
        onCancel={() => setPending(null)}
      >
        {pending ? pending.action.body(pending.service) : null}
      </ConfirmDialog>
    </section>
  );
}

function ServiceRow({
  agentId,
  service: s,
  admin,
  onAction,
  onShowLogs,
}: {
  agentId: string;
  service: Service;
  admin: boolean;
  onAction(action: ServiceActionSpec): void;
  onShowLogs(name: string): void;
}) {
  const running = s.state === ServiceState.RUNNING;
  const uptime = running && s.since ? (Date.now() - timestampMs(s.since)) / 1000 : null;
  const installing = INSTALLING.has(s.phase);
  return (
    <tr data-testid={`service-row-${s.name}`}>
      <td className="stack-head">
        <div className={styles.name}>
          {s.name} <AlertBadge agentId={agentId} service={s.name} />
        </div>
        {installing ? (
          <div className={styles.installing} data-testid={`service-phase-${s.name}`}>
            Installing{s.phaseDetail ? ` · ${s.phaseDetail}` : "…"}
          </div>
        ) : s.stateDetail ? (
          // E.g. the runtime gave up on a crash loop: why, and what to do about it.
          <div className={styles.stateDetail} data-testid={`service-state-detail-${s.name}`}>
            {s.stateDetail}
          </div>
        ) : (
          <div className={styles.sub}>
            {s.runtime}
            {s.pids.length ? ` · pid ${s.pids.join(", ")}` : ""}
          </div>
        )}
      </td>
      <td data-label="Version">
        <span className={styles.version} title={s.version?.sha256 ? `sha256 ${s.version.sha256}` : undefined} data-testid={`service-version-${s.name}`}>
          {s.version?.id ?? "—"}
        </span>
        {s.keptVersions.length > 1 ? <div className={styles.sub}>{s.keptVersions.length} kept</div> : null}
      </td>
      <td data-label="State">
        <ServiceStatePill service={s} />
      </td>
      <td className="num" data-label="CPU" data-testid={`service-cpu-${s.name}`}>
        {running ? formatPercent(s.cpuPercent) : "—"}
      </td>
      <td className="num" data-label="RSS" data-testid={`service-rss-${s.name}`}>
        {running ? formatBytes(s.rssBytes) : "—"}
      </td>
      <td className="num" data-label="Uptime" data-testid={`service-uptime-${s.name}`}>
        {uptime !== null ? formatDuration(uptime) : "—"}
      </td>
      <td className="num" data-label="Restarts" data-testid={`service-restarts-${s.name}`}>
        {s.restarts}
      </td>
      <td className="stack-actions">
        <div className={styles.actions}>
          <Button size="sm" variant="ghost" onClick={() => onShowLogs(s.name)} data-testid={`service-logs-${s.name}`}>
            Logs
          </Button>
          {admin
            ? SERVICE_ACTIONS.filter((a) => a.available(s)).map((a) => (
                <Button
                  key={a.kind}
                  size="sm"
                  variant={a.kind === "remove" ? "ghost" : "default"}
                  onClick={() => onAction(a)}
                  data-testid={`service-${a.kind}-${s.name}`}
                  disabled={installing}
                  style={a.kind === "remove" ? { color: "var(--red)" } : undefined}
                >
                  {a.label}
                </Button>
              ))
            : null}
        </div>
      </td>
    </tr>
  );
}

function summary(services: Service[]): string {
  if (services.length === 0) return "Nothing installed yet.";
  const running = services.filter((s) => s.state === ServiceState.RUNNING).length;
  const failed = services.filter((s) => s.state === ServiceState.FAILED).length;
  return [`${services.length} installed`, `${running} running`, failed ? `${failed} failed` : null].filter(Boolean).join(" · ");
}
