import type { NextRequest } from "next/server";
import { handleUpload } from "@/lib/server/upload/handle-upload";
import { optionsRoute } from "@/lib/server/auth/options-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function POST(req: NextRequest, ctx: { params: Promise<{ agentId: string }> }): Promise<Response> {
  return handleUpload(req, (await ctx.params).agentId);
}

export const OPTIONS = optionsRoute("POST");
