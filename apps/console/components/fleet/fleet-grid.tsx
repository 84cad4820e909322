"use client";

import { useEffect, useMemo, useState } from "react";
import { useFleet } from "../../lib/client/fleet-store";
import { useSelector } from "../../lib/client/use-selector";
import { filterMachines, fleetCounts, MACHINE_STATE_FILTERS, type MachineStateFilter } from "../../lib/shared/fleet-filter";
import { EmptyState } from "../ui/empty-state";
import { FilterField } from "../ui/filter-field";
import { StatusPill } from "../ui/status-pill";
import { FleetCard } from "./fleet-card";
import styles from "./fleet-card.module.css";
import { useUrlFilters } from "./use-url-filters";

/** Cards per page: a page stays quick to draw however large the fleet. */
const PAGE_SIZE = 48;

/** The fleet page's machines, live from the console's fleet stream: counts, filters, a page of cards. */
export function FleetGrid() {
  const { machines, loaded, status } = useFleet();
  const [filters, setFilter] = useUrlFilters(["q", "state", "selector"]);
  const { selector, error } = useSelector(filters.selector);
  const state = (MACHINE_STATE_FILTERS as readonly string[]).includes(filters.state) ? (filters.state as MachineStateFilter) : undefined;
  const shown = useMemo(() => (error ? [] : filterMachines(machines, { selector, state, search: filters.q })), [machines, selector, state, filters.q, error]);
  const counts = useMemo(() => fleetCounts(machines), [machines]);
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  useEffect(() => setPage(0), [filters.q, filters.state, filters.selector]);
  const current = Math.min(page, pages - 1);
  const visible = shown.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);

  if (loaded && machines.length === 0) {
    return (
      <div className="card">
        <EmptyState title="No agents registered" testId="fleet-empty">
          Start an agent on this machine (<code>npm run agent</code>); the console registers the local agent as &ldquo;local&rdquo; when it
          finds its socket.
        </EmptyState>
      </div>
    );
  }
  const stateButton = (value: MachineStateFilter | "", label: string, testId: string) => (
    <button type="button" aria-pressed={filters.state === value} onClick={() => setFilter("state", value)} data-testid={testId}>
      {label}
    </button>
  );
  return (
    <section data-testid="fleet" data-stream={status} data-loaded={loaded}>
      <div className={styles.counts} style={{ marginBottom: "var(--space-3)" }}>
        <span data-testid="fleet-count">{counts.machines === 1 ? "1 machine" : `${counts.machines} machines`}</span>
        <StatusPill tone="up" testId="fleet-count-up">{`${counts.up} up`}</StatusPill>
        <StatusPill tone={counts.down > 0 ? "down" : "unknown"} testId="fleet-count-down">{`${counts.down} down`}</StatusPill>
        <StatusPill tone={counts.failedServices > 0 ? "failed" : "unknown"} testId="fleet-failed-total">
          {counts.failedServices === 1 ? "1 failed service" : `${counts.failedServices} failed services`}
        </StatusPill>
        {status === "lost" ? <span className="muted" data-testid="fleet-stream-lost">reconnecting to the console…</span> : null}
      </div>
      <div className={styles.toolbar}>
        <FilterField id="fleet-search" type="search" label="Search" placeholder="name or host" value={filters.q} onChange={(v) => setFilter("q", v)} />
        <FilterField id="fleet-selector" mono label="Labels" placeholder="env=prod,role in (web,api)" value={filters.selector} onChange={(v) => setFilter("selector", v)} error={error} />
        <div className="segmented" role="group" aria-label="State" data-testid="fleet-state-filter">
          {stateButton("", "All", "fleet-state-all")}
          {stateButton("up", "Up", "fleet-state-up")}
          {stateButton("down", "Down", "fleet-state-down")}
          {stateButton("failing", "Failed services", "fleet-state-failing")}
        </div>
      </div>
      {loaded && shown.length === 0 ? (
        <div className="card">
          <EmptyState title="No machine matches" testId="fleet-no-match">
            Change the search, the labels or the state above.
          </EmptyState>
        </div>
      ) : null}
      <div className={styles.grid} data-testid="fleet-grid" data-shown={shown.length}>
        {visible.map((m) => (
          <FleetCard key={m.id} machine={m} />
        ))}
      </div>
      {pages > 1 ? (
        <div className={styles.pager}>
          <span data-testid="fleet-page-info">
            {current * PAGE_SIZE + 1}–{current * PAGE_SIZE + visible.length} of {shown.length}
          </span>
          <button type="button" className="btn btn-sm" disabled={current === 0} onClick={() => setPage(current - 1)} data-testid="fleet-page-prev">
            Previous
          </button>
          <button type="button" className="btn btn-sm" disabled={current >= pages - 1} onClick={() => setPage(current + 1)} data-testid="fleet-page-next">
            Next
          </button>
        </div>
      ) : null}
    </section>
  );
}
