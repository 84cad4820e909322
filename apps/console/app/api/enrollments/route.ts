import type { NextRequest } from "next/server";
import { optionsRoute } from "@/lib/server/auth/options-route";
import { handleCreateEnrollment, handleListEnrollments } from "@/lib/server/pki/enroll-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Unused enrollments (admins). */
export function GET(req: NextRequest): Promise<Response> {
  return handleListEnrollments(req);
}

/** `{name, id?, listen?, consoleUrl?, expiresInMinutes?}` → 201 `{enrollment, token, command, caSha256}` (admins). */
export function POST(req: NextRequest): Promise<Response> {
  return handleCreateEnrollment(req);
}

export const OPTIONS = optionsRoute("GET, HEAD, POST");
