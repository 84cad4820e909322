import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleTestChannel } from "@/lib/server/alerts/channel-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Send test (admins): `{ok, statusCode, error?}`. */
export async function POST(req: NextRequest, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return handleTestChannel(req, (await ctx.params).id);
}

export const OPTIONS = optionsRoute("POST");
