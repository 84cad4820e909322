import type { NextRequest } from "next/server";
import { handleListAudit } from "@/lib/server/audit/audit-route";
import { optionsRoute } from "@/lib/server/auth/options-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(req: NextRequest): Promise<Response> {
  return handleListAudit(req);
}

export const OPTIONS = optionsRoute("GET, HEAD");
