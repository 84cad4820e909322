import type { Metadata } from "next";
import { FleetGrid } from "../../components/fleet/fleet-grid";
import { listAgents } from "../../lib/server/agents/registry";

export const metadata: Metadata = { title: "Fleet" };
export const dynamic = "force-dynamic";

export default async function FleetPage() {
  const agents = await listAgents();
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Fleet</h1>
          <p className="muted">
            {agents.length === 1 ? "1 agent" : `${agents.length} agents`}; CPU and memory refresh every few seconds.
          </p>
        </div>
      </div>
      <FleetGrid agents={agents} />
    </>
  );
}
