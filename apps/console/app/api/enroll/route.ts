// Open by design: a new machine's agent has no session or API token. Its credential is the
// one-time enrollment token in the body; without a valid one the answer is 401.
import type { NextRequest } from "next/server";
import { handleEnroll } from "@/lib/server/pki/enroll-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function POST(req: NextRequest): Promise<Response> {
  return handleEnroll(req);
}
