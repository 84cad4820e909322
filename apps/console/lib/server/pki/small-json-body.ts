import "server-only";
// The body of an open PKI route (enroll, agent credentials) as JSON, or undefined: it is read
// before anyone is authenticated, so it is capped, and a body that is not JSON carries no
// credential either.
import type { NextRequest } from "next/server";
import { readCappedText } from "../read-json";

const MAX_BODY = 16 * 1024;

export async function smallJsonBody(req: NextRequest): Promise<unknown> {
  try {
    return JSON.parse(await readCappedText(req, MAX_BODY)) as unknown;
  } catch {
    return undefined;
  }
}
