import "server-only";
// POST /api/auth/login and /api/auth/logout.
import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { audit } from "../audit/audit-log";
import { errorResponse, jsonError } from "../http-errors";
import { getLogger } from "../log";
import { readJson } from "../read-json";
import { authorize } from "./authorize";
import { recordLoginSuccess } from "./login-throttle";
import { PasswordChecksBusy } from "./password-check-gate";
import { checkOrigin, clientAddress, wantsSecureCookie } from "./request-facts";
import { createSession, deleteSession, SESSION_COOKIE } from "./sessions";
import { throttledPasswordCheck, throttledResponse, type ThrottledCheck } from "./throttled-password-check";

const LoginBody = z.object({
  username: z.string().min(1).max(200),
  password: z.string().min(1).max(4096),
});

export async function handleLogin(req: NextRequest): Promise<Response> {
  // Login CSRF: a foreign page must not sign the browser into an account of its choosing.
  if (checkOrigin(req) !== "same") return jsonError(403, "cross-origin login refused: sign in from this console's own login page");
  let body: z.infer<typeof LoginBody>;
  try {
    body = await readJson(req, LoginBody);
  } catch (err) {
    return errorResponse(err);
  }
  const username = body.username.trim();
  const address = clientAddress(req);
  let outcome: ThrottledCheck;
  try {
    outcome = await throttledPasswordCheck(username, body.password, address);
  } catch (err) {
    if (!(err instanceof PasswordChecksBusy)) throw err;
    getLogger().warn({ username, address }, "login refused: too many password checks at once");
    return jsonError(503, err.message, { retryAfterSeconds: 1 }, { "retry-after": "1" });
  }
  if ("waitMs" in outcome) {
    getLogger().info({ username, address, retryAfterSeconds: Math.ceil(outcome.waitMs / 1000) }, "login throttled");
    return throttledResponse(outcome.waitMs, "failed logins");
  }
  const user = outcome.user;
  if (!user) {
    audit({ actor: { username: username.slice(0, 100) }, address, action: "login.failed", result: "failed", detail: "wrong username or password" });
    getLogger().info({ username, address }, "login failed");
    return jsonError(401, "wrong username or password");
  }
  recordLoginSuccess(username, address);
  const session = createSession(user.id, address);
  audit({ actor: user, address, action: "login", result: "ok", detail: null });
  getLogger().info({ username: user.username, address }, "login");
  const res = NextResponse.json({ user }, { headers: { "cache-control": "no-store" } });
  res.cookies.set({
    name: SESSION_COOKIE,
    value: session.id,
    httpOnly: true,
    sameSite: "strict",
    secure: wantsSecureCookie(req),
    path: "/",
    maxAge: session.maxAgeSeconds,
  });
  return res;
}

export async function handleLogout(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "read");
  if (auth instanceof Response) return auth;
  const sessionId = req.cookies.get(SESSION_COOKIE)?.value;
  if (auth.via === "session" && sessionId) deleteSession(sessionId);
  audit({ actor: auth.user, address: auth.address, action: "logout", result: "ok", detail: auth.via === "token" ? "API token: nothing to end" : null });
  const res = NextResponse.json({ ok: true }, { headers: { "cache-control": "no-store" } });
  res.cookies.set({ name: SESSION_COOKIE, value: "", httpOnly: true, sameSite: "strict", secure: wantsSecureCookie(req), path: "/", maxAge: 0 });
  return res;
}
