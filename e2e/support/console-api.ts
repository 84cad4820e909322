// The console's HTTP API as a script would use it: for setup the specs are not about (a viewer
// account, a service to look at) and for requests a browser page would never send by itself.
import { expect, type APIRequestContext, type APIResponse } from "@playwright/test";

const SERVICE = "sysward.agent.v1.AgentService";

export async function logIn(api: APIRequestContext, username: string, password: string): Promise<void> {
  const res = await api.post("/api/auth/login", { data: { username, password } });
  expect(res.status(), `login as ${username}: ${await res.text()}`).toBe(200);
}

/** Registers a local agent (reached on its socket with its token) under `id`, with `labels`. */
export async function registerAgent(api: APIRequestContext, id: string, agent: { socketPath: string; token(): string }, labels: Record<string, string> = {}): Promise<void> {
  const res = await api.post("/api/agents", { data: { id, name: id, address: `unix://${agent.socketPath}`, credential: { kind: "token", token: agent.token() } } });
  expect(res.status(), await res.text()).toBe(201);
  if (Object.keys(labels).length === 0) return;
  const lab = await api.patch(`/api/agents/${id}/labels`, { data: { set: labels } });
  expect(lab.status(), await lab.text()).toBe(200);
}

/** Creates a user, or leaves it be when it already exists (a retried worker). */
export async function ensureUser(admin: APIRequestContext, user: { username: string; password: string; role: "admin" | "viewer" }) {
  const res = await admin.post("/api/users", { data: user });
  if (res.status() === 409) return;
  expect(res.status(), `create user ${user.username}: ${await res.text()}`).toBeLessThan(300);
}

export type UploadEvent = { type: "phase"; phase: string; detail: string } | ({ type: "result"; ok: boolean } & Record<string, unknown>);

/** The upload route as a script would call it; returns the NDJSON events (or throws on a plain-JSON error). */
export async function uploadPackage(
  api: APIRequestContext,
  agentId: string,
  pkg: { name: string; zip: Buffer; healthSeconds?: number },
): Promise<UploadEvent[]> {
  const res = await api.post(`/api/agents/${agentId}/upload`, {
    multipart: {
      name: pkg.name,
      ...(pkg.healthSeconds === undefined ? {} : { healthSeconds: String(pkg.healthSeconds) }),
      package: { name: `${pkg.name}.zip`, mimeType: "application/zip", buffer: pkg.zip },
    },
    timeout: 60_000,
  });
  const text = await res.text();
  expect(res.status(), `upload ${pkg.name}: ${text}`).toBe(200);
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as UploadEvent);
}

/**
 * A unary AgentService call through the console's /rpc proxy (Connect protocol, JSON), asking for
 * an uncompressed answer as curl does by default: setup and checks read the agent's own truth here,
 * while the browser specs exercise what a browser gets (it always accepts gzip).
 */
export function callAgent(api: APIRequestContext, agentId: string, method: string, body: object = {}) {
  return api.post(`/rpc/${agentId}/${SERVICE}/${method}`, {
    data: body,
    headers: { "content-type": "application/json", "connect-protocol-version": "1", "accept-encoding": "identity" },
  });
}

/** The body as JSON, or an error that shows what came instead (status, headers, first bytes). */
export async function readJson<T>(res: APIResponse): Promise<T> {
  const body = await res.body();
  try {
    return JSON.parse(body.toString("utf8")) as T;
  } catch {
    const h = res.headers();
    throw new Error(
      `${res.url()} answered ${res.status()} with a body that is not JSON ` +
        `(content-type ${h["content-type"] ?? "none"}, content-encoding ${h["content-encoding"] ?? "none"}, ` +
        `first bytes ${body.subarray(0, 8).toString("hex")})`,
    );
  }
}

/** Points PerfHistory has for the last `spanMs`. */
export async function historyPointCount(api: APIRequestContext, agentId: string, spanMs: number): Promise<number> {
  const res = await callAgent(api, agentId, "PerfHistory", { start: new Date(Date.now() - spanMs).toISOString() });
  const body = await readJson<{ points?: unknown[] }>(res);
  expect(res.status(), `PerfHistory: ${JSON.stringify(body)}`).toBe(200);
  return body.points?.length ?? 0;
}

export interface ServiceJson {
  name: string;
  state?: string;
  pids?: number[];
  version?: { id?: string; sha256?: string };
}

/** The agent's view of one service, or null when it has none by that name. */
export async function getService(api: APIRequestContext, agentId: string, name: string): Promise<ServiceJson | null> {
  const res = await callAgent(api, agentId, "GetService", { name });
  if (res.status() === 404) return null;
  const body = await readJson<{ service?: ServiceJson; code?: string; message?: string }>(res);
  if (body.code === "not_found") return null;
  expect(res.status(), `GetService ${name}: ${JSON.stringify(body)}`).toBe(200);
  return body.service ?? null;
}

export async function removeService(api: APIRequestContext, agentId: string, name: string): Promise<void> {
  const res = await callAgent(api, agentId, "Remove", { name });
  if (res.status() === 404) return;
  expect(res.status(), `Remove ${name}: ${await res.text()}`).toBe(200);
}
