"use client";

import Link from "next/link";
import { useState } from "react";
import { asyncHandler } from "../../lib/client/async-handler";
import { formatDateTime, shortSha } from "../../lib/client/format";
import { callJson } from "../../lib/client/json-api";
import { useRolloutStream } from "../../lib/client/use-rollout-stream";
import type { RolloutDetail, RolloutHost } from "../../lib/shared/rollout-types";
import { useIsAdmin } from "../session/user-context";
import { Button } from "../ui/button";
import { DataTable } from "../ui/data-table";
import { ErrorNotice } from "../ui/error-notice";
import { RolloutStatePill } from "./rollout-state-pill";

const FINISHED = new Set(["succeeded", "incomplete", "stopped", "cancelled"]);

function timing(h: RolloutHost): string {
  if (h.startedAt === null) return "—";
  const took = h.finishedAt === null ? "" : ` · ${((h.finishedAt - h.startedAt) / 1000).toFixed(1)} s`;
  return `${formatDateTime(h.startedAt, true)}${took}`;
}

/** One rollout, live: its waves, each machine's versions, state, timing and error (with the agent's log lines). */
export function RolloutDetailView({ id }: { id: number }) {
  const { data } = useRolloutStream<{ rollout: RolloutDetail }>(`/api/rollouts/stream?id=${id}`, "rollout");
  const admin = useIsAdmin();
  const [error, setError] = useState<string | null>(null);
  const r = data?.rollout;
  if (!r) return <p className="muted">Loading rollout #{id}…</p>;

  const act = (action: "cancel" | "approve" | "revert") =>
    asyncHandler(async () => {
      setError(null);
      await callJson("POST", `/api/rollouts/${id}/${action}`, {}).catch((err: Error) => setError(err.message));
    });
  const waves = [...new Set(r.hosts.map((h) => h.wave))];
  return (
    <div className="stack" data-testid="rollout-detail" data-state={r.state}>
      <section className="card">
        <div className="card-body stack">
          <div className="row" style={{ flexWrap: "wrap" }}>
            <RolloutStatePill state={r.state} testId="rollout-state" />
            <span>
              <strong>{r.service}</strong> to <span className="mono">{r.selector}</span>: {r.healthyCount} of {r.hostCount} machines healthy
            </span>
            <span className="muted mono" title={r.sha256}>
              package {shortSha(r.sha256)}
            </span>
            <span className="muted">
              started {formatDateTime(r.createdAt, true)} by {r.createdBy}
            </span>
          </div>
          {r.reason ? (
            <p data-testid="rollout-reason" className="muted">
              {r.reason}
            </p>
          ) : null}
          {admin ? (
            <div className="row">
              {r.state === "running" || r.state === "awaiting-approval" ? (
                <Button onClick={act("cancel")} data-testid="rollout-cancel">
                  Cancel
                </Button>
              ) : null}
              {r.state === "awaiting-approval" ? (
                <Button variant="primary" onClick={act("approve")} data-testid="rollout-approve">
                  Go on past the canary
                </Button>
              ) : null}
              {FINISHED.has(r.state) ? (
                <Button variant="danger" onClick={act("revert")} data-testid="rollout-revert">
                  Revert every machine
                </Button>
              ) : null}
            </div>
          ) : null}
          {error ? <ErrorNotice message={error} testId="rollout-action-error" /> : null}
        </div>
      </section>
      {waves.map((w) => (
        <section className="card" key={w} data-testid={`rollout-wave-${w + 1}`}>
          <div className="card-header">
            <h2>{w === 0 && r.strategy.canary > 0 ? "Wave 1 (canary)" : `Wave ${w + 1}`}</h2>
          </div>
          <div className="card-body">
            <DataTable columns={["Machine", "State", "Before", "New version", "Started · took", "Error"]}>
              {r.hosts
                .filter((h) => h.wave === w)
                .map((h) => (
                  <tr key={h.agentId} data-testid={`rollout-host-${h.agentId}`} data-state={h.state}>
                    <td className="stack-head">
                      <Link href={`/agents/${encodeURIComponent(h.agentId)}`} prefetch={false}>
                        {h.agentName}
                      </Link>
                    </td>
                    <td data-label="State">
                      <RolloutStatePill state={h.state} />
                    </td>
                    <td data-label="Before" className="mono">
                      {h.previousVersion || "—"}
                    </td>
                    <td data-label="New version" className="mono">
                      {h.newVersion || "—"}
                    </td>
                    <td data-label="Started · took">{timing(h)}</td>
                    <td data-label="Error">
                      {h.error ? <div>{h.error.split("\n")[0]}</div> : null}
                      {h.logLines.length > 0 ? (
                        <pre className="mono" data-testid={`rollout-host-${h.agentId}-log`}>
                          {h.logLines.join("\n")}
                        </pre>
                      ) : null}
                    </td>
                  </tr>
                ))}
            </DataTable>
          </div>
        </section>
      ))}
    </div>
  );
}
