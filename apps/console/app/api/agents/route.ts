import type { NextRequest } from "next/server";
import { handleListAgents, handleRegisterAgent } from "@/lib/server/agents/agent-routes";
import { optionsRoute } from "@/lib/server/auth/options-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(req: NextRequest): Promise<Response> {
  return handleListAgents(req);
}

/** Register a remote agent: `{id, name, address, credential}` (admins). */
export function POST(req: NextRequest): Promise<Response> {
  return handleRegisterAgent(req);
}

export const OPTIONS = optionsRoute("GET, HEAD, POST");
