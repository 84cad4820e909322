import type { NextRequest } from "next/server";
import { agentPageOptions, handleAgentGet } from "@/lib/server/agent-proxy/handle-agent-get";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The agent's Prometheus metrics, for a scraper holding an API token (or a signed-in browser). */
export async function GET(req: NextRequest, ctx: { params: Promise<{ agentId: string }> }): Promise<Response> {
  return handleAgentGet(req, (await ctx.params).agentId, "/metrics");
}

export const OPTIONS = agentPageOptions;
