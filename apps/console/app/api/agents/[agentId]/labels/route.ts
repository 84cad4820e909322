import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleEditLabels } from "@/lib/server/fleet/label-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** `{set: {key: value}, remove: [key]}` (admins). */
export async function PATCH(req: NextRequest, ctx: { params: Promise<{ agentId: string }> }): Promise<Response> {
  return handleEditLabels(req, (await ctx.params).agentId);
}

export const OPTIONS = optionsRoute("PATCH");
