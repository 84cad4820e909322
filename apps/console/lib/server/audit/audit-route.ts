import "server-only";
// GET /api/audit?limit=200: admins only, newest first.
import type { NextRequest } from "next/server";
import { authorize } from "../auth/authorize";
import { listAudit } from "./audit-log";

export async function handleListAudit(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "admin");
  if (auth instanceof Response) return auth;
  const limit = Number(req.nextUrl.searchParams.get("limit") ?? 200);
  return Response.json({ entries: listAudit({ limit }) }, { headers: { "cache-control": "no-store" } });
}
