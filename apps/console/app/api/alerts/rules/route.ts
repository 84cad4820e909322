import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleCreateRule, handleListRules } from "@/lib/server/alerts/rule-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(req: NextRequest): Promise<Response> {
  return handleListRules(req);
}

/** A threshold rule (admins). */
export async function POST(req: NextRequest): Promise<Response> {
  return handleCreateRule(req);
}

export const OPTIONS = optionsRoute("GET, POST");
