import type { NextRequest } from "next/server";
import { handleLogin } from "@/lib/server/auth/login-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(req: NextRequest): Promise<Response> {
  return handleLogin(req);
}
