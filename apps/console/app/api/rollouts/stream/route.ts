import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleRolloutStream } from "@/lib/server/rollouts/rollout-stream";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Rollouts live (Server-Sent Events); `?id=` for one with its hosts. */
export function GET(req: NextRequest): Response {
  return handleRolloutStream(req);
}

export const OPTIONS = optionsRoute("GET, HEAD");
