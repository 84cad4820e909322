import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DebugVars } from "../../../../../components/agent/debug-vars";
import { getAgent } from "../../../../../lib/server/agents/registry";
import { requireUser } from "../../../../../lib/server/auth/current-user";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Debug vars" };

export default async function DebugVarsPage({ params }: { params: Promise<{ agentId: string }> }) {
  await requireUser();
  const { agentId } = await params;
  const agent = await getAgent(agentId);
  if (!agent) notFound();
  return (
    <>
      <div className="page-header">
        <div>
          <div className="breadcrumbs">
            <Link href="/">Fleet</Link> / <Link href={`/agents/${encodeURIComponent(agent.id)}`}>{agent.name}</Link> / debug vars
          </div>
          <h1>Debug vars</h1>
          <p className="muted">
            The agent&apos;s <code>/debug/vars</code>: expvar-style counters and its latest perf snapshot.
          </p>
        </div>
      </div>
      <DebugVars agentId={agent.id} />
    </>
  );
}
