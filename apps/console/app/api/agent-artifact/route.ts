import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleGetAgentArtifact } from "@/lib/server/downloads/agent-artifact-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** `?consoleUrl=` → `{artifact, upgradeCommand}` (any user): what this console serves, and the command that upgrades an installed agent to it. */
export function GET(req: NextRequest): Promise<Response> {
  return handleGetAgentArtifact(req);
}

export const OPTIONS = optionsRoute("GET, HEAD");
