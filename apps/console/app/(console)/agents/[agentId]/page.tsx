import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AgentWorkspace } from "../../../../components/agent/agent-workspace";
import { RemoveMachineButton } from "../../../../components/agent/remove-machine-button";
import { LabelEditor } from "../../../../components/fleet/label-editor";
import { MachineEvents } from "../../../../components/fleet/machine-events";
import { getAgent, LOCAL_AGENT_ID } from "../../../../lib/server/agents/registry";
import { requireUser } from "../../../../lib/server/auth/current-user";
import { listFleetEvents } from "../../../../lib/server/fleet/fleet-events";
import { labelsOf } from "../../../../lib/server/fleet/labels";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ agentId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { agentId } = await params;
  const agent = await getAgent(agentId);
  return { title: agent?.name ?? "Agent not found" };
}

export default async function AgentPage({ params }: Props) {
  await requireUser();
  const { agentId } = await params;
  const agent = await getAgent(agentId);
  if (!agent) notFound();
  return (
    <>
      <div className="page-header">
        <div>
          <div className="breadcrumbs">
            <Link href="/">Fleet</Link> / {agent.name}
          </div>
          <h1 data-testid="agent-name">{agent.name}</h1>
          <p className="muted mono" style={{ overflowWrap: "anywhere" }} data-testid="agent-address">
            {agent.address}
          </p>
          <LabelEditor agentId={agent.id} initial={labelsOf(agent.id)} />
        </div>
        <div className="row">
          {/* This machine's own agent cannot be removed; remote ones can (admins only). */}
          {agent.id !== LOCAL_AGENT_ID ? <RemoveMachineButton agentId={agent.id} name={agent.name} /> : null}
          <Link className="btn" href={`/agents/${encodeURIComponent(agent.id)}/vars`} data-testid="agent-debug-vars-link">
            Debug vars
          </Link>
        </div>
      </div>
      <AgentWorkspace agentId={agent.id} />
      <MachineEvents events={listFleetEvents({ agentId: agent.id, limit: 20 })} />
    </>
  );
}
