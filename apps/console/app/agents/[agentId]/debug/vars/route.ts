import type { NextRequest } from "next/server";
import { handleDebugVars } from "@/lib/server/agent-proxy/handle-debug-vars";
import { optionsRoute } from "@/lib/server/auth/options-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(req: NextRequest, ctx: { params: Promise<{ agentId: string }> }): Promise<Response> {
  return handleDebugVars(req, (await ctx.params).agentId);
}

export const OPTIONS = optionsRoute("GET, HEAD");
