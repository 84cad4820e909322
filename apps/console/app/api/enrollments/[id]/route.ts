import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleCancelEnrollment } from "@/lib/server/pki/cancel-enrollment-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Cancels an unused enrollment: its token stops working (admins). 404 unknown, 409 already used. */
export async function DELETE(req: NextRequest, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return handleCancelEnrollment(req, (await ctx.params).id);
}

export const OPTIONS = optionsRoute("DELETE");
