import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleListAlerts } from "@/lib/server/alerts/alert-list-route";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Firing, pending, silenced and resolved alerts (?state, ?agent, ?limit, ?before). */
export async function GET(req: NextRequest): Promise<Response> {
  return handleListAlerts(req);
}

export const OPTIONS = optionsRoute("GET");
