import "server-only";
// The body of an open PKI route (enroll, agent credentials) as JSON, or undefined: it is read
// before anyone is authenticated, so it is capped, and a body that is not JSON carries no
// credential either.
import type { NextRequest } from "next/server";

const MAX_BODY = 16 * 1024;

export async function smallJsonBody(req: NextRequest): Promise<unknown> {
  if (Number(req.headers.get("content-length") ?? 0) > MAX_BODY) return undefined;
  try {
    const text = await req.text();
    return text.length > MAX_BODY ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}
