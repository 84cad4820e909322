import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleListRollouts, handleStartRollout } from "@/lib/server/rollouts/rollout-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The newest rollouts: `?limit=`. */
export function GET(req: NextRequest): Response {
  return handleListRollouts(req);
}

/** Starts one: multipart with the package, or JSON naming a stored sha256. */
export function POST(req: NextRequest): Promise<Response> {
  return handleStartRollout(req);
}

export const OPTIONS = optionsRoute("GET, HEAD, POST");
