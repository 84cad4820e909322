import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleCreateSilence, handleListSilences } from "@/lib/server/alerts/silence-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(req: NextRequest): Promise<Response> {
  return handleListSilences(req);
}

/** `{selector?, service?, rule?, endsAt | minutes, reason}` (admins). */
export async function POST(req: NextRequest): Promise<Response> {
  return handleCreateSilence(req);
}

export const OPTIONS = optionsRoute("GET, POST");
