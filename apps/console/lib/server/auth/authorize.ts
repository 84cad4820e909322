import "server-only";
// The one gate every route handler calls first: authenticate (session cookie or API token),
// check Origin on state-changing requests, then the role. Returns the principal or the
// response to send (401 / 403), so a handler cannot forget to stop.
import type { NextRequest } from "next/server";
import type { User } from "../../shared/types";
import { audit } from "../audit/audit-log";
import { jsonError } from "../http-errors";
import { userForToken } from "./api-tokens";
import { checkOrigin, clientAddress, isStateChanging } from "./request-facts";
import { SESSION_COOKIE } from "../../shared/session-cookie";
import { userForSession } from "./sessions";

export interface Principal {
  user: User;
  via: "session" | "token";
  address: string;
}

/**
 * "read": any signed-in user. "write": changes that need an admin (installs, service control).
 * "admin": admin-only pages of data (users, tokens, audit log), reads included.
 */
export type Access = "read" | "write" | "admin";

export interface AuthorizeOptions {
  /** What the request would do, for the audit line when a viewer is refused. */
  action?: string;
  /** Shape of refusals: our JSON `{error}` or a Connect error body (for /rpc). */
  format?: "json" | "connect";
}

function refuse(status: 401 | 403, message: string, format: AuthorizeOptions["format"]): Response {
  if (format === "connect") {
    const code = status === 401 ? "unauthenticated" : "permission_denied";
    return Response.json({ code, message }, { status, headers: { "cache-control": "no-store", ...(status === 401 ? { "www-authenticate": "Bearer" } : {}) } });
  }
  return jsonError(status, message, {}, status === 401 ? { "www-authenticate": "Bearer" } : {});
}

/** Who sent the request, or null. A present but wrong Bearer header never falls back to the cookie. */
function authenticate(req: NextRequest): Omit<Principal, "address"> | null {
  const authorization = req.headers.get("authorization");
  if (authorization !== null) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const user = m ? userForToken(m[1]!) : null;
    return user ? { user, via: "token" } : null;
  }
  const user = userForSession(req.cookies.get(SESSION_COOKIE)?.value);
  return user ? { user, via: "session" } : null;
}

export function authorize(req: NextRequest, access: Access, opts: AuthorizeOptions = {}): Principal | Response {
  const who = authenticate(req);
  if (!who) return refuse(401, "sign in first: no valid session or API token", opts.format);
  const address = clientAddress(req);
  if (isStateChanging(req.method)) {
    // Cookies ride along on cross-site requests, so cookie-authenticated writes must show our
    // Origin. A Bearer token is never sent by a browser on its own, so scripts may omit Origin;
    // if one is sent anyway it must still be ours.
    const origin = checkOrigin(req);
    if (origin === "cross" || (origin === "missing" && who.via === "session")) {
      return refuse(403, "cross-origin request refused: state-changing requests must come from this console's own pages", opts.format);
    }
  }
  if (access !== "read" && who.user.role !== "admin") {
    audit({ actor: who.user, address, action: "access.denied", target: opts.action ?? `${req.method} ${req.nextUrl.pathname}`, result: "denied", detail: access === "write" ? "viewer attempted a write" : "viewer attempted an admin-only read" });
    return refuse(403, access === "write" ? "viewers have read-only access; ask an admin" : "only admins may see this", opts.format);
  }
  return { ...who, address };
}
