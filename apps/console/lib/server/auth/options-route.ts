import "server-only";
// OPTIONS for protected routes. Left out, Next answers OPTIONS itself with 204 and no auth at all;
// this keeps "nothing answers without credentials" true for every method.
import type { NextRequest } from "next/server";
import { authorize } from "./authorize";

export function optionsRoute(allow: string): (req: NextRequest) => Response {
  return (req) => {
    const auth = authorize(req, "read");
    if (auth instanceof Response) return auth;
    return new Response(null, { status: 204, headers: { allow: `${allow}, OPTIONS`, "cache-control": "no-store" } });
  };
}
