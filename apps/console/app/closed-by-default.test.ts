// Closed by default, at the console: every route handler under app/ (found on disk) and, through
// the /rpc proxy, every AgentService method (from the generated service descriptor) is checked
// against credentials that must not work — expired, forged, of a deleted user, logged out,
// revoked — for 401; a viewer's writes for 403; and cross-origin or Origin-less writes with a
// valid admin session for 403. The cookies any of this sets are HttpOnly and SameSite=Strict,
// and no password, session id or token reaches the log or the audit trail.
// (every-route-requires-auth.test.ts checks "no credentials / unknown cookie / unknown token";
// this file adds the harder cases and the write rules.)
import { AgentService } from "@sysward/proto";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken, deleteToken } from "../lib/server/auth/api-tokens";
import { hashSecret } from "../lib/server/auth/secret-hash";
import { createSession, deleteSession } from "../lib/server/auth/sessions";
import { createUser, deleteUser } from "../lib/server/auth/users";
import { getDb } from "../lib/server/db/database";
import { consoleRequest, sessionFrom, setupConsoleTestEnv, type RequestOptions } from "../lib/server/testing/console-test-env";

const env = setupConsoleTestEnv();
afterAll(() => env.cleanup());

const appDir = dirname(fileURLToPath(import.meta.url));
const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
const isWrite = (m: string) => !["GET", "HEAD", "OPTIONS"].includes(m);

/** Methods that only read. Decided here, not taken from the console's own access table, and any method not listed — one added to the proto later included — is treated as a write. */
const AGENT_READS = new Set(["AgentInfo", "SystemPerf", "WatchPerf", "PerfHistory", "ListServices", "GetService", "WatchServices", "Logs"]);

/** The agent's install script and artifact are public too: no secret in them (lib/server/downloads/download-routes.ts). */
const PUBLIC = new Set(["GET /api/healthz", "POST /api/auth/login", "GET /install.sh", "GET /downloads/[file]"]);
/** Reads only admins may make (users, audit log, enrollments, the console's certificate and SSH key): a viewer gets 403. */
const ADMIN_READS = new Set(["GET /api/users", "GET /api/audit", "GET /api/enrollments", "GET /api/pki/console-certificate", "GET /api/ssh/key"]);
/** Writes any signed-in user may make: logging out, and making or revoking their OWN API tokens (someone else's is 404 to a viewer: token-routes.test.ts). */
const ANY_USER_WRITES = new Set(["POST /api/auth/logout", "POST /api/auth/password", "POST /api/tokens", "DELETE /api/tokens/[id]"]);
/**
 * Routes that ignore sessions and API tokens because they take a credential of their own in the
 * request (an agent's one-time enrollment token, an enrolled agent's certificate and proof):
 * anything else gets 401. A new route of this
 * kind must be named here on purpose.
 */
const OWN_CREDENTIAL = new Set(["POST /api/enroll", "POST /api/pki/agent-credentials"]);

type Handler = (req: NextRequest, ctx: { params: Promise<unknown> }) => Response | Promise<Response>;
interface Target {
  /** "DELETE /api/users/[id]" or "POST /rpc/…/StopService". */
  key: string;
  method: string;
  url: string;
  params: Record<string, string | string[]>;
  handler: Handler;
  /** For /rpc targets: the agent method. */
  agentMethod?: string;
}

const sample: Record<string, string | string[]> = {};
const users = { admin: { username: "scanadmin", password: "scan admin password 1" }, viewer: { username: "scanviewer", password: "scan viewer password 1" } };
let adminId: number;
let viewerId: number;
let targets: Target[] = [];
let deletedUsersSession: string;
const secrets: string[] = [];
const setCookies: string[] = [];

async function discoverTargets(): Promise<Target[]> {
  const files = (readdirSync(appDir, { recursive: true }) as string[]).map((f) => f.split(sep).join("/")).filter((f) => /(^|\/)route\.ts$/.test(f));
  const out: Target[] = [];
  for (const file of files) {
    const mod = (await import(/* @vite-ignore */ `./${file.replace(/\.ts$/, "")}`)) as Record<string, unknown>;
    const segments = dirname(file).split("/").filter((s) => s !== "." && !/^\(.*\)$/.test(s));
    for (const method of HTTP_METHODS) {
      const handler = mod[method] as Handler | undefined;
      if (typeof handler !== "function") continue;
      const pattern = `/${segments.join("/")}`;
      const catchAll = segments.find((s) => /^\[\.\.\./.test(s));
      // The proxy's catch-all becomes one target per AgentService method.
      const agentMethods = catchAll ? AgentService.methods.map((m) => m.name) : [undefined];
      for (const agentMethod of agentMethods) {
        const params: Record<string, string | string[]> = {};
        const url = segments
          .map((s) => {
            const m = /^\[(\.\.\.)?(.+)\]$/.exec(s);
            if (!m) return s;
            const value = m[1] ? [AgentService.typeName, agentMethod!] : sample[m[2]!];
            if (value === undefined) throw new Error(`${file}: no sample value for [${m[2]}]`);
            params[m[2]!] = value;
            return Array.isArray(value) ? value.join("/") : value;
          })
          .join("/");
        out.push({ key: `${method} ${agentMethod ? `${pattern.replace(/\[\.\.\..+\]$/, "")}${AgentService.typeName}/${agentMethod}` : pattern}`, method, url: `/${url}`, params, handler, agentMethod });
      }
    }
  }
  return out;
}

function call(t: Target, opts: RequestOptions): Promise<Response> {
  const body = t.method === "GET" || t.method === "HEAD" ? null : "{}";
  const headers = { "content-type": "application/json", ...(t.agentMethod ? { "connect-protocol-version": "1" } : {}), ...opts.headers };
  return Promise.resolve(t.handler(consoleRequest(t.url, { method: t.method, body, ...opts, headers }), { params: Promise.resolve(t.params) })).then((res) => {
    const c = res.headers.get("set-cookie");
    if (c) setCookies.push(c);
    return res;
  });
}

const expectedAccess = (t: Target): "public" | "own" | "any" | "write" | "read" => {
  if (PUBLIC.has(t.key)) return "public";
  if (OWN_CREDENTIAL.has(t.key)) return "own";
  if (ANY_USER_WRITES.has(t.key)) return "any";
  if (t.method === "OPTIONS") return "read";
  // A write method of the agent is a write however it is sent (a Connect GET included).
  if (t.agentMethod) return AGENT_READS.has(t.agentMethod) ? "read" : "write";
  if (ADMIN_READS.has(t.key.replace(/^HEAD /, "GET "))) return "write";
  return isWrite(t.method) ? "write" : "read";
};
const refused = (status: number) => status === 401 || status === 403;

/** The message of a refusal: our JSON `{error}` or, behind /rpc, a Connect error body `{code, message}`. */
async function refusalMessage(res: Response): Promise<string | undefined> {
  try {
    const body = (await res.clone().json()) as { error?: string; code?: string; message?: string };
    return body.error ?? (body.code === "permission_denied" ? body.message : undefined);
  } catch {
    return undefined;
  }
}

async function login(user: { username: string; password: string }, opts: RequestOptions = {}): Promise<Response> {
  const { POST } = await import("./api/auth/login/route");
  const res = await POST(consoleRequest("/api/auth/login", { json: user, address: "10.20.0.1", ...opts }));
  const c = res.headers.get("set-cookie");
  if (c) setCookies.push(c);
  return res;
}

/** A fresh session for `userId`, remembered as a secret that must never be logged. */
function session(userId: number): string {
  const id = createSession(userId, "10.20.0.9").id;
  secrets.push(id);
  return id;
}

function backdate(id: string, column: "last_seen_at" | "created_at", ms: number): void {
  getDb().prepare(`UPDATE sessions SET ${column} = ${column} - ? WHERE id_hash = ?`).run(ms, hashSecret(id));
}

beforeAll(async () => {
  adminId = (await createUser({ ...users.admin, role: "admin" })).id;
  viewerId = (await createUser({ ...users.viewer, role: "viewer" })).id;
  secrets.push(users.admin.password, users.viewer.password);
  // Dynamic segments point at things a wrongly accepted request could damage: a bystander user, a live token.
  const bystander = await createUser({ username: "bystander", password: "bystander password", role: "viewer" });
  secrets.push("bystander password");
  const tok = createToken(adminId, "bystander token");
  secrets.push(tok.token);
  Object.assign(sample, { agentId: "local", id: String(bystander.id), file: "sysward-agent-linux-x64.sha256" });
  const gone = await createUser({ username: "gone", password: "gone user password", role: "admin" });
  secrets.push("gone user password");
  deletedUsersSession = session(gone.id);
  deleteUser(gone.id, adminId);
  targets = await discoverTargets();
});

/** Credentials that must all be refused with 401, each made fresh for one request. */
const BAD_CREDENTIALS: Array<[string, () => Promise<RequestOptions> | RequestOptions]> = [
  ["an idle-expired session", () => {
    const id = session(adminId);
    backdate(id, "last_seen_at", 721 * 60_000);
    return { session: id };
  }],
  ["a session past its absolute age", () => {
    const id = session(adminId);
    backdate(id, "created_at", 169 * 3_600_000);
    return { session: id };
  }],
  ["a forged session id of the right shape", () => ({ session: Buffer.alloc(32, 7).toString("base64url") })],
  ["a real session id with one character changed", () => {
    const id = session(adminId);
    return { session: id.slice(0, -1) + (id.endsWith("A") ? "B" : "A") };
  }],
  ["the stored hash of a real session used as the cookie", () => ({ session: hashSecret(session(adminId)) })],
  ["a session id from another console's database", () => ({ session: "Zm9yZWlnbi1jb25zb2xlLXNlc3Npb24taWQtMzItYnl0ZXM" })],
  ["the session of a user since deleted", () => ({ session: deletedUsersSession })],
  ["a logged-out session", () => {
    const id = session(adminId);
    deleteSession(id);
    return { session: id };
  }],
  ["a revoked API token", () => {
    const t = createToken(adminId, "revoked");
    secrets.push(t.token);
    deleteToken(t.summary.id);
    return { token: t.token, origin: null };
  }],
  ["the stored hash of a live API token", () => {
    const t = createToken(adminId, "hashed");
    secrets.push(t.token);
    return { token: hashSecret(t.token), origin: null };
  }],
  ["an admin's session id sent as a Bearer token", () => ({ token: session(adminId), origin: null })],
];

describe("closed by default: the console", () => {
  it("found every route and, behind /rpc, every AgentService method", () => {
    expect(targets.filter((t) => !t.agentMethod).length).toBeGreaterThanOrEqual(14);
    expect(new Set(targets.filter((t) => t.agentMethod).map((t) => t.agentMethod))).toEqual(new Set(AgentService.methods.map((m) => m.name)));
  });

  it("answers 401 to expired, forged, deleted-user, logged-out and revoked credentials on every route and method", async () => {
    const failures: string[] = [];
    for (const t of targets.filter((x) => expectedAccess(x) !== "public")) {
      for (const [what, make] of BAD_CREDENTIALS) {
        const res = await call(t, await make());
        if (res.status !== 401) failures.push(`${t.key} with ${what}: ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("answers 403 to a viewer's writes (and admin-only reads) on every route and agent method, and lets a viewer's reads through", async () => {
    const failures: string[] = [];
    for (const t of targets) {
      const access = expectedAccess(t);
      if (access === "public" || access === "any") continue;
      const res = await call(t, { session: session(viewerId) });
      if (access === "write") {
        // The refusal must be the role check's, not another 403 (a cross-origin one, say).
        const want = ADMIN_READS.has(t.key.replace(/^HEAD /, "GET ")) ? "only admins may see this" : "viewers have read-only access; ask an admin";
        const got = await refusalMessage(res);
        if (res.status !== 403 || got !== want) failures.push(`${t.key} as viewer: ${res.status} ${JSON.stringify(got)}`);
        continue;
      }
      // A read may still fail for other reasons here (no agent runs in this file), but never as a refusal of the viewer.
      const ok = access === "own" ? refused(res.status) : !refused(res.status);
      if (!ok) failures.push(`${t.key} as viewer: ${res.status}`);
    }
    expect(failures).toEqual([]);
  });

  it("refuses every state-changing request with a valid admin session from another origin, or with none", async () => {
    const origins: Array<[string, string | null]> = [
      ["a foreign origin", "http://evil.test"],
      ["Origin: null (sandboxed frame, file:)", "null"],
      ["no Origin header", null],
      ["the same host over https", "https://console.test"],
      ["the same host on another port", "http://console.test:8080"],
      ["a look-alike host", "http://console.test.evil.test"],
    ];
    const failures: string[] = [];
    for (const t of targets.filter((x) => isWrite(x.method))) {
      for (const [what, origin] of origins) {
        const opts: RequestOptions = t.key === "POST /api/auth/login" ? { origin } : { session: session(adminId), origin };
        const res = t.key === "POST /api/auth/login" ? await login(users.admin, opts) : await call(t, opts);
        // A route with its own credential refuses for want of it (401); the rest for the Origin (403).
        if (OWN_CREDENTIAL.has(t.key) ? !refused(res.status) : res.status !== 403) failures.push(`${t.key} with ${what}: ${res.status}`);
      }
      if (t.key !== "POST /api/auth/login") {
        const t2 = createToken(adminId, "cross-origin script");
        secrets.push(t2.token);
        const res = await call(t, { token: t2.token, origin: "http://evil.test" });
        if (OWN_CREDENTIAL.has(t.key) ? !refused(res.status) : res.status !== 403) failures.push(`${t.key} with an API token and a foreign Origin: ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
    // The bystander user and its token are still there: no refused write did anything.
    expect(getDb().prepare("SELECT count(*) AS n FROM users WHERE username = 'bystander'").get()).toEqual({ n: 1 });
  });

  it("sets its session cookie HttpOnly, SameSite=Strict, Path=/ (and Secure over https), also when clearing it", async () => {
    const res = await login(users.viewer);
    expect(res.status).toBe(200);
    secrets.push(sessionFrom(res));
    const secure = await login(users.viewer, { origin: "https://console.test", headers: { "x-forwarded-proto": "https" } });
    expect(secure.headers.get("set-cookie")).toMatch(/;\s*Secure/i);
    secrets.push(sessionFrom(secure));
    const { POST: logout } = await import("./api/auth/logout/route");
    const out = await logout(consoleRequest("/api/auth/logout", { method: "POST", session: sessionFrom(res) }));
    setCookies.push(out.headers.get("set-cookie") ?? "");
    expect(setCookies.length).toBeGreaterThanOrEqual(3);
    for (const c of setCookies) {
      expect(c).toMatch(/^sysward_session=/);
      expect(c).toMatch(/;\s*HttpOnly/i);
      expect(c).toMatch(/;\s*SameSite=Strict/i);
      expect(c).toMatch(/;\s*Path=\//i);
    }
  });

  it("never writes a password, session id or token to its log or audit trail (wrong passwords included)", async () => {
    // Failed logins with passwords that must not be echoed anywhere.
    for (const wrong of ["hunter2-wrong-password", "Sup3r$ecret-typo"]) {
      secrets.push(wrong);
      expect((await login({ username: users.admin.username, password: wrong }, { address: "10.20.0.50" })).status).toBe(401);
    }
    const log = readFileSync(env.logFile, "utf8");
    expect(log).toContain('"msg":"login failed"'); // the log is really being written
    const audit = JSON.stringify(getDb().prepare("SELECT * FROM audit_log").all());
    const leaks = secrets.filter((s) => log.includes(s) || audit.includes(s)).map((s) => `${s.slice(0, 4)}…`);
    expect(leaks).toEqual([]);
    expect(secrets.length).toBeGreaterThan(30);
  });
});
