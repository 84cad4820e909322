import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleRolloutAction } from "@/lib/server/rollouts/rollout-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function POST(req: NextRequest, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return handleRolloutAction(req, (await ctx.params).id, "cancel");
}

export const OPTIONS = optionsRoute("POST");
