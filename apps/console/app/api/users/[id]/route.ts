import type { NextRequest } from "next/server";
import { handleDeleteUser } from "@/lib/server/auth/user-routes";
import { optionsRoute } from "@/lib/server/auth/options-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function DELETE(req: NextRequest, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return handleDeleteUser(req, (await ctx.params).id);
}

export const OPTIONS = optionsRoute("DELETE");
