import type { NextRequest } from "next/server";
import { handleDeleteToken } from "@/lib/server/auth/token-routes";
import { optionsRoute } from "@/lib/server/auth/options-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function DELETE(req: NextRequest, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return handleDeleteToken(req, (await ctx.params).id);
}

export const OPTIONS = optionsRoute("DELETE");
