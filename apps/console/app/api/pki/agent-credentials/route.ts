// Open by design: an enrolled agent has no session or API token. Its credential is its
// certificate and a fresh signature by that certificate's key; without them the answer is 401.
import type { NextRequest } from "next/server";
import { handleAgentCredentials } from "@/lib/server/pki/agent-credentials-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(req: NextRequest): Promise<Response> {
  return handleAgentCredentials(req);
}
