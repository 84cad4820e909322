import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleFleetEvents } from "@/lib/server/fleet/fleet-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Recorded fleet changes, newest first: `?agent=&limit=&before=`. */
export function GET(req: NextRequest): Response {
  return handleFleetEvents(req);
}

export const OPTIONS = optionsRoute("GET, HEAD");
