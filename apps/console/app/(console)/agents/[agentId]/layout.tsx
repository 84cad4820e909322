import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { getAgent } from "../../../../lib/server/agents/registry";
import { requireUser } from "../../../../lib/server/auth/current-user";

// An unknown agent id is a 404 before anything streams: the page below has a loading.tsx, so a
// notFound() from the page itself would come after a 200 had been sent with the skeleton.
export default async function AgentLayout({ children, params }: { children: ReactNode; params: Promise<{ agentId: string }> }) {
  // Signed-in users only learn which ids exist (layouts may render alongside the parent's check).
  await requireUser();
  const { agentId } = await params;
  if (!(await getAgent(agentId))) notFound();
  return children;
}
