import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleFleetStream } from "@/lib/server/fleet/fleet-stream";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The fleet as Server-Sent Events: a snapshot, then what changes. */
export function GET(req: NextRequest): Response {
  return handleFleetStream(req);
}

export const OPTIONS = optionsRoute("GET, HEAD");
