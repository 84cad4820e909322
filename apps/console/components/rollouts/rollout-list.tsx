"use client";

import Link from "next/link";
import { formatDateTime } from "../../lib/client/format";
import { useRolloutStream } from "../../lib/client/use-rollout-stream";
import type { RolloutSummary } from "../../lib/shared/rollout-types";
import { DataTable } from "../ui/data-table";
import { EmptyState } from "../ui/empty-state";
import { RolloutStatePill } from "./rollout-state-pill";

/** The newest rollouts, live. */
export function RolloutList() {
  const { data } = useRolloutStream<{ rollouts: RolloutSummary[] }>("/api/rollouts/stream", "rollouts");
  const rollouts = data?.rollouts ?? [];
  return (
    <section className="card" data-testid="rollout-list" data-loaded={data !== null}>
      <div className="card-body stack">
        {data && rollouts.length === 0 ? (
          <EmptyState title="No rollouts yet" testId="rollout-list-empty">
            Start one below: a ZIP, a service name and the labels of the machines it goes to.
          </EmptyState>
        ) : (
          <DataTable columns={["Rollout", "Service", "Machines", "State", "Healthy", "Started", "Why"]} testId="rollout-table">
            {rollouts.map((r) => (
              <tr key={r.id} data-testid={`rollout-row-${r.id}`} data-state={r.state}>
                <td className="stack-head">
                  <Link href={`/rollouts/${r.id}`} prefetch={false}>
                    #{r.id}
                  </Link>
                </td>
                <td data-label="Service">{r.service}</td>
                <td data-label="Machines" className="mono">
                  {r.selector}
                </td>
                <td data-label="State">
                  <RolloutStatePill state={r.state} />
                </td>
                <td data-label="Healthy">
                  {r.healthyCount} of {r.hostCount}
                </td>
                <td data-label="Started">
                  {formatDateTime(r.createdAt, true)} by {r.createdBy}
                </td>
                <td data-label="Why" className="muted">
                  {r.reason}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </div>
    </section>
  );
}
