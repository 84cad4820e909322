import type { NextRequest } from "next/server";
import { handleAgentGet } from "@/lib/server/agent-proxy/handle-agent-get";
import { optionsRoute } from "@/lib/server/auth/options-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(req: NextRequest, ctx: { params: Promise<{ agentId: string }> }): Promise<Response> {
  return handleAgentGet(req, (await ctx.params).agentId, "/debug/vars");
}

export const OPTIONS = optionsRoute("GET, HEAD");
