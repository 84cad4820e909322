import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleAddSshMachine } from "@/lib/server/agents/ssh/ssh-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Add a machine by SSH: `{name, ssh: "user@host[:port]", dataDir?, hostKeyFingerprint?, token?}` (admins). */
export function POST(req: NextRequest): Promise<Response> {
  return handleAddSshMachine(req);
}

export const OPTIONS = optionsRoute("POST");
