import type { NextRequest } from "next/server";
import { handleInstallScript } from "@/lib/server/downloads/download-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The agent's install script, open to anyone (why: lib/server/downloads/download-routes.ts). */
export function GET(req: NextRequest): Promise<Response> {
  return handleInstallScript(req);
}
