"use client";

import { AlertBadge } from "../alerts/alert-badge";
import Link from "next/link";
import { useMemo, useState } from "react";
import { formatDateTime } from "../../lib/client/format";
import { useFleet } from "../../lib/client/fleet-store";
import { fleetServices, SERVICE_STATE_FILTERS } from "../../lib/shared/fleet-filter";
import type { ServiceStateName } from "../../lib/shared/fleet-types";
import { useSelector } from "../../lib/client/use-selector";
import { useUrlFilters } from "../fleet/use-url-filters";
import { useIsAdmin } from "../session/user-context";
import { DataTable } from "../ui/data-table";
import { EmptyState } from "../ui/empty-state";
import { FilterField } from "../ui/filter-field";
import { StatusPill, type PillTone } from "../ui/status-pill";

const ROWS = 100;
const TONES: Record<ServiceStateName, PillTone> = { running: "running", failed: "failed", backoff: "warn", starting: "warn", stopped: "stopped", unknown: "unknown" };

/** The services page: every service on every machine from the fleet stream, filtered as asked. */
export function FleetServices() {
  const { machines, loaded } = useFleet();
  const admin = useIsAdmin();
  const [f, setFilter] = useUrlFilters(["name", "selector", "state", "version"]);
  const { selector, error } = useSelector(f.selector);
  const state = (SERVICE_STATE_FILTERS as readonly string[]).includes(f.state) ? (f.state as ServiceStateName) : undefined;
  const rows = useMemo(() => (error ? [] : fleetServices(machines, { selector, state, name: f.name, version: f.version })), [machines, selector, state, f.name, f.version, error]);
  const [limit, setLimit] = useState(ROWS);
  const field = (key: "name" | "version" | "selector", label: string, placeholder: string) => (
    <FilterField id={`fleet-services-${key}`} mono={key === "selector"} label={label} placeholder={placeholder} value={f[key]} onChange={(v) => setFilter(key, v)} error={key === "selector" ? error : null} />
  );
  return (
    <section className="card" data-testid="fleet-services" data-loaded={loaded}>
      <div className="card-body stack">
        <div className="row" style={{ alignItems: "flex-end", flexWrap: "wrap" }}>
          {field("name", "Service", "name")}
          {field("selector", "Machine labels", "env=prod")}
          <div className="field">
            <label htmlFor="fleet-services-state">State</label>
            <select id="fleet-services-state" className="select" value={f.state} onChange={(e) => setFilter("state", e.target.value)} data-testid="fleet-services-state">
              <option value="">any</option>
              {SERVICE_STATE_FILTERS.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          {field("version", "Version", "3-")}
          <span className="muted" data-testid="fleet-services-count">
            {rows.length === 1 ? "1 service" : `${rows.length} services`}
          </span>
          {admin ? (
            <Link className="btn btn-sm" href={`/rollouts?${new URLSearchParams({ name: f.name, selector: f.selector }).toString()}`} prefetch={false} data-testid="fleet-services-rollout">
              Roll out a new version
            </Link>
          ) : null}
        </div>
        {loaded && rows.length === 0 ? (
          <EmptyState title="No service matches" testId="fleet-services-empty" />
        ) : (
          <DataTable columns={["Service", "Machine", "State", "Version", "Since", { label: "Restarts", num: true }]} testId="fleet-services-table">
            {rows.slice(0, limit).map((s) => (
              <tr key={`${s.agentId}/${s.name}`} data-testid={`fleet-service-${s.agentId}-${s.name}`} data-state={s.state}>
                <td className="stack-head">
                  <div>
                    {s.name} <AlertBadge agentId={s.agentId} service={s.name} />
                  </div>
                  {s.detail ? <div className="muted">{s.detail}</div> : null}
                </td>
                <td data-label="Machine">
                  <Link href={`/agents/${encodeURIComponent(s.agentId)}`} prefetch={false}>
                    {s.agentName}
                  </Link>
                  {s.reach !== "up" ? <span className="muted"> ({s.reach}: as last seen)</span> : null}
                </td>
                <td data-label="State">
                  <StatusPill tone={TONES[s.state]}>{s.state}</StatusPill>
                </td>
                <td data-label="Version" className="mono">
                  {s.version || "—"}
                </td>
                <td data-label="Since">{s.since ? formatDateTime(s.since, true) : "—"}</td>
                <td data-label="Restarts" className="num">
                  {s.restarts}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
        {rows.length > limit ? (
          <button type="button" className="btn btn-sm" onClick={() => setLimit(limit + ROWS)} data-testid="fleet-services-more">
            Show {Math.min(ROWS, rows.length - limit)} more of {rows.length - limit}
          </button>
        ) : null}
      </div>
    </section>
  );
}
