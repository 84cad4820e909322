import "server-only";
// POST /api/auth/password: every user changes their own password, from a signed-in browser
// session (an API token cannot: it must not be a way to take over the account it acts as). The
// current password is checked like a login — same throttle, same cap on concurrent checks — so
// this is no faster way to guess it. Every other session of the user ends.
import type { NextRequest } from "next/server";
import { z } from "zod";
import { audit } from "../audit/audit-log";
import { errorResponse, HttpError, jsonError } from "../http-errors";
import { readJson } from "../read-json";
import { authorize } from "./authorize";
import { recordLoginSuccess } from "./login-throttle";
import { PasswordChecksBusy } from "./password-check-gate";
import { deleteOtherSessions, SESSION_COOKIE } from "./sessions";
import { throttledPasswordCheck, throttledResponse } from "./throttled-password-check";
import { setPassword } from "./users";

const ChangePassword = z.object({
  currentPassword: z.string().min(1).max(4096),
  newPassword: z.string().min(1).max(4096),
});

export async function handleChangePassword(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "read", { action: "change a password" });
  if (auth instanceof Response) return auth;
  const { user, address } = auth;
  if (auth.via !== "session") return jsonError(403, "change your password from a signed-in browser session, not with an API token");
  try {
    const body = await readJson(req, ChangePassword);
    const outcome = await throttledPasswordCheck(user.username, body.currentPassword, address);
    if ("waitMs" in outcome) return throttledResponse(outcome.waitMs, "wrong passwords");
    if (!outcome.user) throw new HttpError(403, "the current password is wrong");
    recordLoginSuccess(user.username, address);
    await setPassword(user.id, body.newPassword);
    deleteOtherSessions(user.id, req.cookies.get(SESSION_COOKIE)?.value);
    audit({ actor: user, address, action: "user.password-change", target: user.username, result: "ok", detail: "other sessions ended" });
    return Response.json({ ok: true }, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    if (err instanceof PasswordChecksBusy) return jsonError(503, err.message, { retryAfterSeconds: 1 }, { "retry-after": "1" });
    if (err instanceof HttpError) audit({ actor: user, address, action: "user.password-change", target: user.username, result: "failed", detail: err.message });
    return errorResponse(err);
  }
}
