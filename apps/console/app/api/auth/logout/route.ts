import type { NextRequest } from "next/server";
import { handleLogout } from "@/lib/server/auth/login-routes";
import { optionsRoute } from "@/lib/server/auth/options-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(req: NextRequest): Promise<Response> {
  return handleLogout(req);
}

export const OPTIONS = optionsRoute("POST");
