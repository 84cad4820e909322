import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleDeleteChannel } from "@/lib/server/alerts/channel-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function DELETE(req: NextRequest, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return handleDeleteChannel(req, (await ctx.params).id);
}

export const OPTIONS = optionsRoute("DELETE");
