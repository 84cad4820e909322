import type { NextRequest } from "next/server";
import { handleDeleteAgent } from "@/lib/server/agents/agent-routes";
import { optionsRoute } from "@/lib/server/auth/options-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function DELETE(req: NextRequest, ctx: { params: Promise<{ agentId: string }> }): Promise<Response> {
  return handleDeleteAgent(req, (await ctx.params).agentId);
}

export const OPTIONS = optionsRoute("DELETE");
