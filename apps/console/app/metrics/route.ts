import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleConsoleMetrics } from "@/lib/server/alerts/alerts-metrics";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The console's own Prometheus metrics (sysward_alerts_firing{rule}). */
export function GET(req: NextRequest): Response {
  return handleConsoleMetrics(req);
}

export const OPTIONS = optionsRoute("GET");
