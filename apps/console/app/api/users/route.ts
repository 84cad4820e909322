import type { NextRequest } from "next/server";
import { handleCreateUser, handleListUsers } from "@/lib/server/auth/user-routes";
import { optionsRoute } from "@/lib/server/auth/options-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(req: NextRequest): Promise<Response> {
  return handleListUsers(req);
}

export function POST(req: NextRequest): Promise<Response> {
  return handleCreateUser(req);
}

export const OPTIONS = optionsRoute("GET, HEAD, POST");
