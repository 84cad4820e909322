import type { NextRequest } from "next/server";
import { handleDownload } from "@/lib/server/downloads/download-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The agent artifact and its sha256, open to anyone (why: lib/server/downloads/download-routes.ts). */
export async function GET(req: NextRequest, ctx: { params: Promise<{ file: string }> }): Promise<Response> {
  return handleDownload(req, (await ctx.params).file);
}
