import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AgentWorkspace } from "../../../../components/agent/agent-workspace";
import { getAgent } from "../../../../lib/server/agents/registry";
import { requireUser } from "../../../../lib/server/auth/current-user";

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
          <p className="muted mono" style={{ overflowWrap: "anywhere" }}>
            {agent.address}
          </p>
        </div>
        <Link className="btn" href={`/agents/${encodeURIComponent(agent.id)}/vars`} data-testid="agent-debug-vars-link">
          Debug vars
        </Link>
      </div>
      <AgentWorkspace agentId={agent.id} />
    </>
  );
}
