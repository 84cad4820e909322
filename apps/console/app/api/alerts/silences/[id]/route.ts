import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleEndSilence } from "@/lib/server/alerts/silence-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Ends the silence now (admins). */
export async function DELETE(req: NextRequest, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return handleEndSilence(req, (await ctx.params).id);
}

export const OPTIONS = optionsRoute("DELETE");
