import type { NextRequest } from "next/server";
import { handleCreateToken, handleListTokens } from "@/lib/server/auth/token-routes";
import { optionsRoute } from "@/lib/server/auth/options-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(req: NextRequest): Promise<Response> {
  return handleListTokens(req);
}

export function POST(req: NextRequest): Promise<Response> {
  return handleCreateToken(req);
}

export const OPTIONS = optionsRoute("GET, HEAD, POST");
