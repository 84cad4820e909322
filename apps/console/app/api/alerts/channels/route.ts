import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleCreateChannel, handleListChannels } from "@/lib/server/alerts/channel-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(req: NextRequest): Promise<Response> {
  return handleListChannels(req);
}

/** `{"type": "webhook" | "slack" | "ntfy" | "email", "name", "url", …}` (admins). */
export async function POST(req: NextRequest): Promise<Response> {
  return handleCreateChannel(req);
}

export const OPTIONS = optionsRoute("GET, POST");
