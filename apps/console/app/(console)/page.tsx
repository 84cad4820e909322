import type { Metadata } from "next";
import { AddMachine } from "../../components/fleet/add-machine";
import type { PendingEnrollment } from "../../components/fleet/enrollment-types";
import { FleetGrid } from "../../components/fleet/fleet-grid";
import { PendingEnrollments } from "../../components/fleet/pending-enrollments";
import { listAgents } from "../../lib/server/agents/registry";
import { requireUser } from "../../lib/server/auth/current-user";
import { pendingEnrollments } from "../../lib/server/pki/enrollment";

export const metadata: Metadata = { title: "Fleet" };
export const dynamic = "force-dynamic";

export default async function FleetPage() {
  const user = await requireUser();
  const admin = user.role === "admin";
  const agents = await listAgents();
  const now = Date.now();
  const pending: PendingEnrollment[] = admin
    ? pendingEnrollments().map((e) => ({ id: e.id, agentId: e.agentId, name: e.name, expiresAt: new Date(e.expiresAt).toISOString(), expired: e.expiresAt <= now }))
    : [];
  const heading = (
    <div>
      <h1>Fleet</h1>
      <p className="muted">
        Every machine as the console sees it, live: down within seconds, back by itself.
      </p>
    </div>
  );
  return (
    <>
      {admin ? (
        <AddMachine heading={heading} agentIds={agents.map((a) => a.id)} pending={pending} />
      ) : (
        <div className="page-header">{heading}</div>
      )}
      {admin ? <PendingEnrollments enrollments={pending} /> : null}
      <FleetGrid />
    </>
  );
}
