import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleGetRollout } from "@/lib/server/rollouts/rollout-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** One rollout with every host's step. */
export async function GET(req: NextRequest, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return handleGetRollout(req, (await ctx.params).id);
}

export const OPTIONS = optionsRoute("GET, HEAD");
