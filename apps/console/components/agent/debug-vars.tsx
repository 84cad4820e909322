"use client";

import { useState } from "react";
import { formatClock } from "../../lib/client/format";
import { usePolling } from "../../lib/client/use-polling";
import { Button } from "../ui/button";
import { ErrorNotice } from "../ui/error-notice";
import { JsonTree } from "../ui/json-tree";

async function fetchVars(agentId: string, signal: AbortSignal): Promise<{ vars: unknown; at: number }> {
  const res = await fetch(`/agents/${encodeURIComponent(agentId)}/debug/vars`, { signal, headers: { accept: "application/json" }, cache: "no-store" });
  const text = await res.text();
  if (!res.ok) {
    let message = text.trim();
    try {
      const body = JSON.parse(text) as { error?: unknown };
      if (typeof body.error === "string") message = body.error;
    } catch {
      // plain-text error body
    }
    throw new Error(res.status === 401 ? "Your session has ended. Log in again to continue." : `The agent's debug vars are unavailable (HTTP ${res.status}${message ? `: ${message}` : ""}).`);
  }
  try {
    return { vars: JSON.parse(text) as unknown, at: Date.now() };
  } catch {
    throw new Error("The agent answered with something that is not JSON.");
  }
}

/** /agents/<id>/debug/vars, fetched from the browser and shown as a collapsible tree. */
export function DebugVars({ agentId }: { agentId: string }) {
  const [auto, setAuto] = useState(false);
  const [openDepth, setOpenDepth] = useState(2);
  const [treeKey, setTreeKey] = useState(0);
  const vars = usePolling((signal) => fetchVars(agentId, signal), auto ? 2_000 : 0, [agentId, auto]);
  const setDepth = (d: number) => {
    setOpenDepth(d);
    setTreeKey((k) => k + 1);
  };

  return (
    <section className="card">
      <div className="card-header">
        <div className="muted" data-testid="debug-vars-updated">
          {vars.data ? `Fetched at ${formatClock(vars.data.at)}` : vars.loading ? "Loading…" : ""}
        </div>
        <div className="row">
          <Button size="sm" onClick={() => setDepth(99)} data-testid="debug-vars-expand">
            Expand all
          </Button>
          <Button size="sm" onClick={() => setDepth(0)} data-testid="debug-vars-collapse">
            Collapse all
          </Button>
          <Button size="sm" onClick={vars.refresh} data-testid="debug-vars-refresh">
            Refresh
          </Button>
          <label className="checkbox">
            <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.target.checked)} data-testid="debug-vars-auto" />
            Every 2 s
          </label>
        </div>
      </div>
      <div className="card-body">
        {vars.error ? <ErrorNotice title="Could not load debug vars" message={vars.error instanceof Error ? vars.error.message : String(vars.error)} testId="debug-vars-error" /> : null}
        {vars.data ? (
          <JsonTree key={treeKey} value={vars.data.vars} openDepth={openDepth} testId="debug-vars" />
        ) : vars.loading ? (
          <div className="chart-empty">Loading…</div>
        ) : null}
      </div>
    </section>
  );
}
