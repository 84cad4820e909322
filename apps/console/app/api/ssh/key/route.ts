import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleConsoleSshKey } from "@/lib/server/agents/ssh/ssh-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The console's SSH public key (admins), for authorized_keys on machines added by SSH. */
export function GET(req: NextRequest): Response {
  return handleConsoleSshKey(req);
}

export const OPTIONS = optionsRoute("GET, HEAD");
