// Login, throttling, sessions, logout, Origin checks, roles, API tokens, users and the audit log,
// through the real route handlers on a real SQLite file. No agent is needed here.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as loginRoute from "@/app/api/auth/login/route";
import * as logoutRoute from "@/app/api/auth/logout/route";
import * as passwordRoute from "@/app/api/auth/password/route";
import * as auditRoute from "@/app/api/audit/route";
import * as tokensRoute from "@/app/api/tokens/route";
import * as tokenRoute from "@/app/api/tokens/[id]/route";
import * as usersRoute from "@/app/api/users/route";
import * as userRoute from "@/app/api/users/[id]/route";
import { getDb } from "../db/database";
import { consoleRequest, sessionFrom, setupConsoleTestEnv, type RequestOptions } from "../testing/console-test-env";
import { createUser } from "./users";

const env = setupConsoleTestEnv();
const ADMIN = { username: "alice", password: "correct horse battery" };
const VIEWER = { username: "victor", password: "viewer password 1" };

const login = (body: { username: string; password: string }, opts: RequestOptions = {}) =>
  loginRoute.POST(consoleRequest("/api/auth/login", { json: body, ...opts }));

async function sessionOf(user: { username: string; password: string }, address?: string): Promise<string> {
  const res = await login(user, { address });
  expect(res.status).toBe(200);
  return sessionFrom(res);
}

const params = <T>(p: T) => ({ params: Promise.resolve(p) });

beforeAll(async () => {
  await createUser({ ...ADMIN, role: "admin" });
  await createUser({ ...VIEWER, role: "viewer" });
});
afterAll(() => env.cleanup());

describe("login", () => {
  it("answers 200 with the user and an HttpOnly, SameSite=Strict session cookie", async () => {
    const res = await login(ADMIN);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user: { id: expect.any(Number), username: "alice", role: "admin" } });
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/sysward_session=[A-Za-z0-9_-]{43}/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toMatch(/Secure/i);
    // The session works for a read.
    const me = await usersRoute.GET(consoleRequest("/api/users", { session: sessionFrom(res) }));
    expect(me.status).toBe(200);
  });

  it("marks the cookie Secure when the request came over https", async () => {
    const res = await login(ADMIN, { headers: { "x-forwarded-proto": "https" }, origin: "https://console.test" });
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toMatch(/;\s*Secure/i);
  });

  it("stores only a hash of the session id", async () => {
    const id = await sessionOf(ADMIN);
    const rows = getDb().prepare("SELECT id_hash FROM sessions").all() as Array<{ id_hash: string }>;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.id_hash === id)).toBe(false);
    expect(readFileSync(`${env.consoleDataDir}/console.sqlite`).includes(Buffer.from(id))).toBe(false);
  });

  it("answers 401 for a wrong password and for an unknown user, with the same message", async () => {
    const wrong = await login({ username: "alice", password: "nope nope nope" }, { address: "10.1.0.1" });
    const unknown = await login({ username: "mallory", password: "whatever123" }, { address: "10.1.0.1" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: "wrong username or password" });
    expect(await unknown.json()).toEqual({ error: "wrong username or password" });
    expect(wrong.headers.get("set-cookie")).toBeNull();
  });

  it("refuses a login posted from another origin, or with no Origin at all", async () => {
    expect((await login(ADMIN, { origin: "http://evil.test" })).status).toBe(403);
    expect((await login(ADMIN, { origin: null })).status).toBe(403);
  });

  it("answers 400 for a body that is not the expected JSON", async () => {
    const res = await loginRoute.POST(consoleRequest("/api/auth/login", { body: "username=alice", headers: { "content-type": "application/x-www-form-urlencoded" } }));
    expect(res.status).toBe(400);
  });
});

describe("login throttling", () => {
  it("after 5 failures from one address, refuses even the right password there with 429 and Retry-After", async () => {
    const address = "10.2.0.1";
    for (let i = 0; i < 5; i++) expect((await login({ ...ADMIN, password: `wrong ${i}` }, { address })).status).toBe(401);
    const res = await login(ADMIN, { address });
    expect(res.status).toBe(429);
    const body = (await res.json()) as { error: string; retryAfterSeconds: number };
    expect(body.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(res.headers.get("retry-after")).toBe(String(body.retryAfterSeconds));
  });

  it("a flood from one address does not lock the real user out from another address", async () => {
    const flood = "10.3.0.1";
    let refused = 0;
    for (let i = 0; i < 40; i++) {
      const res = await login({ ...ADMIN, password: `guess ${i}` }, { address: flood });
      if (res.status === 429) refused++;
      else expect(res.status).toBe(401);
    }
    expect(refused).toBeGreaterThan(30);
    expect((await login(ADMIN, { address: flood })).status).toBe(429);
    expect((await login(ADMIN, { address: "10.3.0.2" })).status).toBe(200);
  });

  it("guessing one account from many addresses slows that account down everywhere", async () => {
    await createUser({ username: "target", password: "target password", role: "viewer" });
    // Each address stays under its own limit (4 failures); together they reach the account's 50.
    for (let n = 0; n < 50; n++) {
      expect((await login({ username: "target", password: `guess ${n}` }, { address: `10.4.${Math.floor(n / 4)}.1` })).status).toBe(401);
    }
    const res = await login({ username: "target", password: "target password" }, { address: "10.4.200.1" });
    expect(res.status).toBe(429);
    // Other accounts are unaffected.
    expect((await login(VIEWER, { address: "10.4.200.1" })).status).toBe(200);
  });

  it("a success clears that address's count for the account", async () => {
    const address = "10.5.0.1";
    for (let i = 0; i < 4; i++) expect((await login({ ...VIEWER, password: `bad ${i}` }, { address })).status).toBe(401);
    expect((await login(VIEWER, { address })).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await login({ ...VIEWER, password: `bad again ${i}` }, { address })).status).toBe(401);
    expect((await login(VIEWER, { address })).status).toBe(200);
  });
});

describe("sessions", () => {
  const usersWith = (session: string) => usersRoute.GET(consoleRequest("/api/users", { session }));
  const backdate = (column: "last_seen_at" | "created_at", ms: number) =>
    getDb().prepare(`UPDATE sessions SET ${column} = ${column} - ?`).run(ms);

  it("expire after the idle limit (720 minutes by default)", async () => {
    const s = await sessionOf(ADMIN);
    expect((await usersWith(s)).status).toBe(200);
    backdate("last_seen_at", 719 * 60_000);
    expect((await usersWith(s)).status).toBe(200); // still inside; this use refreshes last_seen_at
    backdate("last_seen_at", 721 * 60_000);
    expect((await usersWith(s)).status).toBe(401);
  });

  it("expire after the absolute limit (168 hours by default) even when used all along", async () => {
    const s = await sessionOf(ADMIN);
    backdate("created_at", 169 * 3_600_000);
    expect((await usersWith(s)).status).toBe(401);
  });

  it("logout deletes the session row and clears the cookie", async () => {
    const s = await sessionOf(ADMIN);
    const before = (getDb().prepare("SELECT count(*) AS n FROM sessions").get() as { n: number }).n;
    const res = await logoutRoute.POST(consoleRequest("/api/auth/logout", { method: "POST", session: s }));
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toMatch(/sysward_session=;.*Max-Age=0/i);
    expect((getDb().prepare("SELECT count(*) AS n FROM sessions").get() as { n: number }).n).toBe(before - 1);
    expect((await usersWith(s)).status).toBe(401);
  });

  it("an unknown session id is 401", async () => {
    expect((await usersWith("A".repeat(43))).status).toBe(401);
  });
});

describe("Origin checks on state-changing requests", () => {
  it("refuse cookie-authenticated writes from another origin or without Origin", async () => {
    const s = await sessionOf(ADMIN);
    const body = { username: "crossuser", password: "cross password", role: "viewer" };
    expect((await usersRoute.POST(consoleRequest("/api/users", { json: body, session: s, origin: "http://evil.test" }))).status).toBe(403);
    expect((await usersRoute.POST(consoleRequest("/api/users", { json: body, session: s, origin: null }))).status).toBe(403);
    expect((await logoutRoute.POST(consoleRequest("/api/auth/logout", { method: "POST", session: s, origin: "http://evil.test" }))).status).toBe(403);
    expect((await usersRoute.POST(consoleRequest("/api/users", { json: body, session: s }))).status).toBe(201);
  });

  it("accept an API token without Origin (scripts), but not with a foreign one", async () => {
    const s = await sessionOf(ADMIN);
    const { token } = (await (await tokensRoute.POST(consoleRequest("/api/tokens", { json: { name: "ci" }, session: s }))).json()) as { token: string };
    const body = (n: string) => ({ username: n, password: "script password", role: "viewer" });
    expect((await usersRoute.POST(consoleRequest("/api/users", { json: body("scripted1"), token, origin: null }))).status).toBe(201);
    expect((await usersRoute.POST(consoleRequest("/api/users", { json: body("scripted2"), token, origin: "http://evil.test" }))).status).toBe(403);
  });
});

describe("API tokens", () => {
  it("are shown once, stored hashed, work as Bearer, and stop working when revoked", async () => {
    const s = await sessionOf(ADMIN);
    const created = await tokensRoute.POST(consoleRequest("/api/tokens", { json: { name: "backup script" }, session: s }));
    expect(created.status).toBe(201);
    const { token, tokenInfo } = (await created.json()) as { token: string; tokenInfo: { id: number; prefix: string } };
    expect(token).toMatch(/^swt_[A-Za-z0-9_-]{43}$/);
    expect(token.startsWith(tokenInfo.prefix)).toBe(true);

    const list = (await (await tokensRoute.GET(consoleRequest("/api/tokens", { session: s }))).json()) as { tokens: Array<Record<string, unknown>> };
    expect(JSON.stringify(list)).not.toContain(token);
    expect(list.tokens.find((t) => t.id === tokenInfo.id)).toMatchObject({ name: "backup script", username: "alice" });
    expect(readFileSync(`${env.consoleDataDir}/console.sqlite`).includes(Buffer.from(token))).toBe(false);

    expect((await auditRoute.GET(consoleRequest("/api/audit", { token }))).status).toBe(200);
    const del = await tokenRoute.DELETE(consoleRequest(`/api/tokens/${tokenInfo.id}`, { method: "DELETE", session: s }), params({ id: String(tokenInfo.id) }));
    expect(del.status).toBe(200);
    expect((await auditRoute.GET(consoleRequest("/api/audit", { token }))).status).toBe(401);
  });

  it("may be given a lifetime, after which they authenticate nobody; a lifetime out of range is refused", async () => {
    const s = await sessionOf(ADMIN);
    const created = await tokensRoute.POST(consoleRequest("/api/tokens", { json: { name: "30-day script", expiresInDays: 30 }, session: s }));
    expect(created.status).toBe(201);
    const { token, tokenInfo } = (await created.json()) as { token: string; tokenInfo: { id: number; expiresAt: string } };
    const days = (Date.parse(tokenInfo.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect((await auditRoute.GET(consoleRequest("/api/audit", { token }))).status).toBe(200);
    // Thirty days later, as far as the database can tell.
    getDb().prepare("UPDATE api_tokens SET expires_at = ? WHERE id = ?").run(Date.now() - 1, tokenInfo.id);
    expect((await auditRoute.GET(consoleRequest("/api/audit", { token }))).status).toBe(401);
    for (const expiresInDays of [0, 1.5, 3651]) {
      const bad = await tokensRoute.POST(consoleRequest("/api/tokens", { json: { name: "bad", expiresInDays }, session: s }));
      expect(bad.status).toBe(400);
      expect(await bad.text()).toMatch(/expiresInDays must be a whole number of days from 1 to 3650/);
    }
  });

  it("a wrong Bearer token is 401 even with a valid session cookie alongside", async () => {
    const s = await sessionOf(ADMIN);
    expect((await auditRoute.GET(consoleRequest("/api/audit", { session: s, token: "swt_not-a-real-token" }))).status).toBe(401);
  });

  it("a viewer makes their own token, which has the viewer's rights; they see and revoke only their own", async () => {
    const admin = await sessionOf(ADMIN);
    const viewer = await sessionOf(VIEWER);
    const adminToken = (await (await tokensRoute.POST(consoleRequest("/api/tokens", { json: { name: "admin script" }, session: admin }))).json()) as { tokenInfo: { id: number } };
    const created = await tokensRoute.POST(consoleRequest("/api/tokens", { json: { name: "viewer script" }, session: viewer }));
    expect(created.status).toBe(201);
    const { token, tokenInfo } = (await created.json()) as { token: string; tokenInfo: { id: number; username: string } };
    expect(tokenInfo.username).toBe(VIEWER.username);

    // It reads like the viewer and is refused what the viewer is refused.
    expect((await usersRoute.POST(consoleRequest("/api/users", { json: { username: "v2", password: "password v2", role: "admin" }, token, origin: null }))).status).toBe(403);
    expect((await auditRoute.GET(consoleRequest("/api/audit", { token }))).status).toBe(403);

    // The viewer's list is theirs alone; the admin's has both.
    const mine = (await (await tokensRoute.GET(consoleRequest("/api/tokens", { session: viewer }))).json()) as { tokens: Array<{ id: number; username: string }> };
    expect(mine.tokens.map((t) => t.username)).toEqual(mine.tokens.map(() => VIEWER.username));
    expect(mine.tokens.map((t) => t.id)).toContain(tokenInfo.id);
    const all = (await (await tokensRoute.GET(consoleRequest("/api/tokens", { session: admin }))).json()) as { tokens: Array<{ id: number }> };
    expect(all.tokens.map((t) => t.id)).toEqual(expect.arrayContaining([tokenInfo.id, adminToken.tokenInfo.id]));

    // The admin's token does not exist as far as the viewer can tell, and survives the attempt.
    const other = await tokenRoute.DELETE(consoleRequest(`/api/tokens/${adminToken.tokenInfo.id}`, { method: "DELETE", session: viewer }), params({ id: String(adminToken.tokenInfo.id) }));
    expect(other.status).toBe(404);
    expect((await (await tokensRoute.GET(consoleRequest("/api/tokens", { session: admin }))).json() as { tokens: Array<{ id: number }> }).tokens.map((t) => t.id)).toContain(adminToken.tokenInfo.id);
    // Its own, the viewer revokes; an admin could have too.
    expect((await tokenRoute.DELETE(consoleRequest(`/api/tokens/${tokenInfo.id}`, { method: "DELETE", session: viewer }), params({ id: String(tokenInfo.id) }))).status).toBe(200);
    expect((await tokensRoute.GET(consoleRequest("/api/tokens", { token }))).status).toBe(401);
  });
});

describe("users", () => {
  it("an admin creates and deletes users; a deleted user's sessions end", async () => {
    const admin = await sessionOf(ADMIN);
    const res = await usersRoute.POST(consoleRequest("/api/users", { json: { username: "bob", password: "bob password", role: "viewer" }, session: admin }));
    expect(res.status).toBe(201);
    const { user } = (await res.json()) as { user: { id: number } };
    const bob = await sessionOf({ username: "bob", password: "bob password" });
    expect((await usersRoute.POST(consoleRequest("/api/users", { json: { username: "bob", password: "other password", role: "viewer" }, session: admin }))).status).toBe(409);
    const del = await userRoute.DELETE(consoleRequest(`/api/users/${user.id}`, { method: "DELETE", session: admin }), params({ id: String(user.id) }));
    expect(del.status).toBe(200);
    expect((await logoutRoute.POST(consoleRequest("/api/auth/logout", { method: "POST", session: bob }))).status).toBe(401);
  });

  it("refuses weak passwords and odd usernames with a message", async () => {
    const admin = await sessionOf(ADMIN);
    const short = await usersRoute.POST(consoleRequest("/api/users", { json: { username: "carol", password: "short", role: "viewer" }, session: admin }));
    expect(short.status).toBe(400);
    expect(((await short.json()) as { error: string }).error).toMatch(/at least 8 characters/);
    const odd = await usersRoute.POST(consoleRequest("/api/users", { json: { username: "carol smith", password: "long enough", role: "viewer" }, session: admin }));
    expect(odd.status).toBe(400);
  });

  it("an admin cannot delete themselves", async () => {
    const admin = await sessionOf(ADMIN);
    const id = (getDb().prepare("SELECT id FROM users WHERE username = 'alice'").get() as { id: number }).id;
    const res = await userRoute.DELETE(consoleRequest(`/api/users/${id}`, { method: "DELETE", session: admin }), params({ id: String(id) }));
    expect(res.status).toBe(409);
  });

  it("viewers get 403 on every user and audit route (tokens: their own only, tested above)", async () => {
    const v = await sessionOf(VIEWER);
    const calls: Array<[string, Promise<Response>]> = [
      ["GET /api/users", usersRoute.GET(consoleRequest("/api/users", { session: v }))],
      ["POST /api/users", usersRoute.POST(consoleRequest("/api/users", { json: { username: "v3", password: "password v3", role: "admin" }, session: v }))],
      ["DELETE /api/users/1", userRoute.DELETE(consoleRequest("/api/users/1", { method: "DELETE", session: v }), params({ id: "1" }))],
      ["GET /api/audit", auditRoute.GET(consoleRequest("/api/audit", { session: v }))],
    ];
    for (const [what, res] of calls) expect([what, (await res).status]).toEqual([what, 403]);
  });
});

describe("audit log and logs", () => {
  it("records logins, failures, logouts, user and token changes, and denials", async () => {
    const admin = await sessionOf(ADMIN);
    const res = await auditRoute.GET(consoleRequest("/api/audit?limit=1000", { session: admin }));
    const { entries } = (await res.json()) as { entries: Array<{ action: string; result: string; username: string | null; address: string | null }> };
    const actions = new Set(entries.map((e) => `${e.action}:${e.result}`));
    for (const want of ["login:ok", "login.failed:failed", "logout:ok", "user.create:ok", "user.create:failed", "user.delete:ok", "token.create:ok", "token.delete:ok", "access.denied:denied"]) {
      expect(actions, want).toContain(want);
    }
    expect(entries.find((e) => e.action === "login.failed")?.address).toMatch(/^10\./);
  });

  it("never contain a password or a token", async () => {
    const admin = await sessionOf(ADMIN);
    const { token } = (await (await tokensRoute.POST(consoleRequest("/api/tokens", { json: { name: "leak check" }, session: admin }))).json()) as { token: string };
    await auditRoute.GET(consoleRequest("/api/audit", { token }));
    const log = readFileSync(env.logFile, "utf8");
    expect(log).toContain('"msg":"login"'); // the log is really being written
    const audit = JSON.stringify(getDb().prepare("SELECT * FROM audit_log").all());
    for (const secret of [ADMIN.password, VIEWER.password, "bob password", token, admin]) {
      expect(log.includes(secret), `log contains ${secret.slice(0, 6)}…`).toBe(false);
      expect(audit.includes(secret), `audit contains ${secret.slice(0, 6)}…`).toBe(false);
    }
  });
});

describe("changing one's own password", () => {
  const change = (body: unknown, opts: RequestOptions) => passwordRoute.POST(consoleRequest("/api/auth/password", { json: body, ...opts }));

  it("a viewer changes their own: the current password is checked, other sessions end, this one goes on", async () => {
    const user = { username: "pat", password: "pat's first password" };
    await createUser({ ...user, role: "viewer" });
    const here = await sessionOf(user, "10.9.0.1");
    const elsewhere = await sessionOf(user, "10.9.0.2");
    expect((await change({ currentPassword: "not it", newPassword: "pat's second password" }, { session: here })).status).toBe(403);
    expect((await change({ currentPassword: user.password, newPassword: "short" }, { session: here })).status).toBe(400);
    const ok = await change({ currentPassword: user.password, newPassword: "pat's second password" }, { session: here });
    expect(ok.status).toBe(200);
    expect((await tokensRoute.GET(consoleRequest("/api/tokens", { session: elsewhere }))).status).toBe(401);
    expect((await tokensRoute.GET(consoleRequest("/api/tokens", { session: here }))).status).toBe(200);
    expect((await login(user, { address: "10.9.0.3" })).status).toBe(401);
    expect((await login({ ...user, password: "pat's second password" }, { address: "10.9.0.4" })).status).toBe(200);
    const rows = getDb().prepare("SELECT result FROM audit_log WHERE action = 'user.password-change' AND username = 'pat' ORDER BY id").all() as { result: string }[];
    expect(rows.map((r) => r.result)).toEqual(["failed", "failed", "ok"]);
  });

  it("is refused to an API token, from another origin, and to a guesser once the login throttle holds", async () => {
    const user = { username: "quinn", password: "quinn's password" };
    await createUser({ ...user, role: "viewer" });
    const s = await sessionOf(user, "10.9.1.1");
    const { token } = (await (await tokensRoute.POST(consoleRequest("/api/tokens", { json: { name: "q" }, session: s }))).json()) as { token: string };
    expect((await change({ currentPassword: user.password, newPassword: "quinn's new password" }, { token, origin: null })).status).toBe(403);
    expect((await change({ currentPassword: user.password, newPassword: "quinn's new password" }, { session: s, origin: "http://evil.test" })).status).toBe(403);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await change({ currentPassword: `guess ${i}`, newPassword: "quinn's new password" }, { session: s, address: "10.9.1.1" })).status);
    expect(statuses).toContain(429);
    expect((await login(user, { address: "10.9.1.9" })).status).toBe(200);
  });
});
