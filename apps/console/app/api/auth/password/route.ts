import type { NextRequest } from "next/server";
import { handleChangePassword } from "@/lib/server/auth/password-routes";
import { optionsRoute } from "@/lib/server/auth/options-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(req: NextRequest): Promise<Response> {
  return handleChangePassword(req);
}

export const OPTIONS = optionsRoute("POST");
