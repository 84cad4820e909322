import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleFleetServices } from "@/lib/server/fleet/fleet-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Every service on every machine: `?selector=&state=&name=&version=`. */
export function GET(req: NextRequest): Promise<Response> {
  return handleFleetServices(req);
}

export const OPTIONS = optionsRoute("GET, HEAD");
