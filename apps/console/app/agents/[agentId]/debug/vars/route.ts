import type { NextRequest } from "next/server";
import { agentPageOptions, handleAgentGet } from "@/lib/server/agent-proxy/handle-agent-get";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(req: NextRequest, ctx: { params: Promise<{ agentId: string }> }): Promise<Response> {
  return handleAgentGet(req, (await ctx.params).agentId, "/debug/vars");
}

export const OPTIONS = agentPageOptions;
