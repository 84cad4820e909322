// The /rpc proxy and /agents/<id>/debug/vars against a REAL agent child process, driven by the
// same connect-web clients the browser uses, through both doors: the route files (their fetch
// goes straight into the route handler, as Next would call it) and the console's own server
// (scripts/console-server.mjs on a real port, answering these paths before Next).
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { AgentService, StopServiceRequestSchema } from "@sysward/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as debugVarsRoute from "@/app/agents/[agentId]/debug/vars/route";
import * as agentsRoute from "@/app/api/agents/route";
import * as rpcRoute from "@/app/rpc/[agentId]/[...method]/route";
import { allAgentMethods } from "../../shared/agent-methods";
import { listAudit } from "../audit/audit-log";
import { createToken, deleteToken } from "../auth/api-tokens";
import { createSession, deleteSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { agentConnection } from "../agents/agent-connection";
import { getAgentRecord } from "../agents/registry";
import type { TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import { waitFor } from "../../../../agent/src/runtime/testing/wait-for";
import { CONSOLE_ORIGIN, consoleRequest, setupConsoleTestEnv, type RequestOptions } from "../testing/console-test-env";
import { consoleServerOptions, createConsoleServer } from "../../../scripts/console-server.mjs";
import { proxyNodeRoutes } from "./proxy-node-routes";

const env = setupConsoleTestEnv();
const PERF_INTERVAL_MS = 1000;
let agent: TestAgent;
let admin: string;
let viewer: string;
let server: Server;
let serverOrigin: string;
/** Requests the console's server left to Next (here: answered 500, so a test that needs them fails). */
let reachedNext: string[] = [];

beforeAll(async () => {
  server = createConsoleServer(
    (req, res) => {
      reachedNext.push(`${req.method} ${req.url}`);
      res.writeHead(500).end("reached Next");
    },
    consoleServerOptions({}),
    proxyNodeRoutes,
  );
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  serverOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  agent = await env.startAgent({ SYSWARD_PERF_INTERVAL_MS: String(PERF_INTERVAL_MS) });
  const a = await createUser({ username: "admin1", password: "admin password", role: "admin" });
  const v = await createUser({ username: "viewer1", password: "viewer password", role: "viewer" });
  admin = createSession(a.id, null).id;
  viewer = createSession(v.id, null).id;
});
afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await env.cleanup();
});

/** Route file: the handler called as Next calls it. Console server: the same request over HTTP. */
type Door = "route file" | "console server";
const DOORS: Door[] = ["route file", "console server"];

/** Replays a request built for the route handler over HTTP to the console's server (its own origin for ours). */
function viaServer(req: Request): Promise<Response> {
  const headers = new Headers(req.headers);
  headers.delete("host");
  if (headers.get("origin") === CONSOLE_ORIGIN) headers.set("origin", serverOrigin);
  const url = new URL(req.url);
  const init = { method: req.method, headers, body: req.body, duplex: "half", signal: req.signal, redirect: "manual" };
  return fetch(`${serverOrigin}${url.pathname}${url.search}`, init as RequestInit);
}

function through(door: Door, req: ReturnType<typeof consoleRequest>, route: (req: ReturnType<typeof consoleRequest>) => Promise<Response>): Promise<Response> {
  return door === "route file" ? route(req) : viaServer(req);
}

/** A fetch that hands the request to the route handler, as Next would, or to the console's server. */
function routeFetch(cred: Pick<RequestOptions, "session" | "token" | "origin">, door: Door): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const [, , agentId, ...method] = url.pathname.split("/");
    const req = consoleRequest(url.pathname + url.search, {
      method: init?.method ?? "GET",
      body: (init?.body as BodyInit | undefined) ?? null,
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      signal: init?.signal ?? undefined,
      ...cred,
    });
    const handler = req.method === "GET" ? rpcRoute.GET : rpcRoute.POST;
    return through(door, req, (r) => handler(r, { params: Promise.resolve({ agentId: agentId!, method }) }));
  };
}

/** How many write RPCs the agent has counted (its /debug/vars "rpc-calls", by "Method Code"). */
async function agentWriteCalls(): Promise<number> {
  const res = await debugVarsRoute.GET(consoleRequest("/agents/local/debug/vars", { session: admin }), { params: Promise.resolve({ agentId: "local" }) });
  const calls = ((await res.json()) as { "rpc-calls": Record<string, number> })["rpc-calls"];
  const writes = new Set(allAgentMethods().filter((m) => m.access === "write").map((m) => m.name));
  return Object.entries(calls).reduce((n, [key, count]) => (writes.has(key.split(" ")[0]!) ? n + count : n), 0);
}

/** Live WatchPerf streams at the agent (its /debug/vars "perf-collector".watchers.active). */
async function agentWatchers(): Promise<number> {
  const res = await debugVarsRoute.GET(consoleRequest("/agents/local/debug/vars", { session: admin }), { params: Promise.resolve({ agentId: "local" }) });
  return ((await res.json()) as { "perf-collector": { watchers: { active: number } } })["perf-collector"].watchers.active;
}

type Kind = "connect" | "grpc-web";
function browserClient(kind: Kind, cred: Pick<RequestOptions, "session" | "token" | "origin">, opts: { useHttpGet?: boolean; door: Door }): Client<typeof AgentService> {
  const base = { baseUrl: `${CONSOLE_ORIGIN}/rpc/local`, fetch: routeFetch(cred, opts.door) };
  return createClient(AgentService, kind === "connect" ? createConnectTransport({ ...base, useHttpGet: opts.useHttpGet }) : createGrpcWebTransport(base));
}

async function connectCode(p: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

describe.each(DOORS.flatMap((door) => (["connect", "grpc-web"] as Kind[]).map((kind) => ({ door, kind }))))("through the proxy's $door over $kind", ({ door, kind }) => {
  it("a viewer's unary read reaches the agent", async () => {
    const info = await browserClient(kind, { session: viewer }, { door }).agentInfo({});
    expect(info.hostname).not.toBe("");
    expect(info.cpuCount).toBeGreaterThan(0);
  });

  it("WatchPerf delivers samples as they are taken: within 2 intervals, stream still open", async () => {
    const ac = new AbortController();
    const started = Date.now();
    const arrivals: number[] = [];
    const times = new Set<bigint>();
    for await (const res of browserClient(kind, { session: viewer }, { door }).watchPerf({}, { signal: ac.signal })) {
      arrivals.push(Date.now());
      times.add(res.sample!.time!.seconds * 1000n + BigInt(Math.floor(res.sample!.time!.nanos / 1e6)));
      if (arrivals.length === 3) break;
    }
    ac.abort(); // connect-es does not cancel a call when the loop is left: the signal does
    expect(times.size).toBe(3); // three distinct samples, delivered while the stream was open
    expect(arrivals[0]! - started).toBeLessThan(2 * PERF_INTERVAL_MS);
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 1]!).toBeLessThan(2 * PERF_INTERVAL_MS);
  });

  it("cancelling a stream in the browser cancels the agent's side too", async () => {
    const conn = agentConnection(getAgentRecord("local")!);
    // Streams of earlier tests were aborted too: the agent drops them all.
    await waitFor(async () => (await agentWatchers()) === 0, "the agent to have no watchers");
    const before = 0;
    const ac = new AbortController();
    const it = browserClient(kind, { session: viewer }, { door }).watchPerf({}, { signal: ac.signal })[Symbol.asyncIterator]();
    await it.next();
    expect(conn.sessions.state()).toBe("open"); // a stream is in flight
    expect(await agentWatchers()).toBe(before + 1);
    ac.abort();
    await expect(it.next()).rejects.toThrow();
    await waitFor(() => conn.sessions.state() === "idle", "the upstream stream to close");
    await waitFor(async () => (await agentWatchers()) === before, "the agent to drop its watcher");
  });

  it("without a session the call fails Unauthenticated; a foreign Origin is PermissionDenied", async () => {
    expect(await connectCode(browserClient(kind, {}, { door }).agentInfo({}))).toBe(Code.Unauthenticated);
    expect(await connectCode(browserClient(kind, { session: viewer, origin: "http://evil.test" }, { door }).agentInfo({}))).toBe(Code.PermissionDenied);
  });

  it("a viewer's write is PermissionDenied and never reaches the agent", async () => {
    const before = await agentWriteCalls();
    const client = browserClient(kind, { session: viewer }, { door });
    for (const call of [client.stopService({ name: "x" }), client.startService({ name: "x" }), client.restartService({ name: "x" }), client.remove({ name: "x" }), client.rollback({ name: "x" })]) {
      expect(await connectCode(call)).toBe(Code.PermissionDenied);
    }
    expect(await agentWriteCalls()).toBe(before);
  });

  it("an admin's write is forwarded, and audited with its target and outcome", async () => {
    const before = await agentWriteCalls();
    const name = `nosuch${kind.replace("-", "")}${door === "route file" ? "" : "srv"}`;
    const code = await connectCode(browserClient(kind, { session: admin }, { door }).stopService({ name }));
    expect(code).toBe(Code.NotFound); // the agent has no such service
    expect(await agentWriteCalls()).toBe(before + 1);
    const entry = listAudit({ limit: 20 }).find((e) => e.action === "stop" && e.target === `local/${name}`);
    expect(entry).toMatchObject({ username: "admin1", result: "failed" });
    expect(entry!.detail).toMatch(/not_found/);
  });
});

describe.each(DOORS)("the proxy's edges, through its %s", (door) => {
  const post = (path: string, opts: RequestOptions & { contentType?: string } = {}) => {
    const [, , agentId, ...method] = path.split("/");
    const req = consoleRequest(path, { method: "POST", body: new Uint8Array(), headers: { "content-type": opts.contentType ?? "application/proto", "connect-protocol-version": "1" }, ...opts });
    return through(door, req, (r) => rpcRoute.POST(r, { params: Promise.resolve({ agentId: agentId!, method }) }));
  };

  it("answers 403 to a viewer for every write method of the service, whatever the protocol", async () => {
    const writes = allAgentMethods().filter((m) => m.access === "write");
    expect(writes.map((m) => m.name).sort()).toEqual(["Install", "Remove", "RestartService", "Rollback", "StartService", "StopService"]);
    for (const m of writes) {
      for (const contentType of ["application/proto", "application/json", "application/connect+proto", "application/grpc-web+proto"]) {
        const res = await post(`/rpc/local/sysward.agent.v1.AgentService/${m.name}`, { session: viewer, contentType });
        expect(`${m.name} ${contentType}: ${res.status}`).toBe(`${m.name} ${contentType}: 403`);
      }
    }
  });

  it("Connect GET works for side-effect-free reads", async () => {
    const info = await browserClient("connect", { session: viewer }, { useHttpGet: true, door }).agentInfo({});
    expect(info.hostname).not.toBe("");
  });

  it("accepts an API token as Bearer (no Origin needed from scripts)", async () => {
    const token = createToken(1, "script").token;
    const info = await browserClient("connect", { token, origin: null }, { door }).agentInfo({});
    expect(info.hostname).not.toBe("");
  });

  it("refuses unknown methods, services and agents", async () => {
    const unknownMethod = await post("/rpc/local/sysward.agent.v1.AgentService/Reboot", { session: admin });
    expect(unknownMethod.status).toBe(404);
    const otherService = await post("/rpc/local/grpc.health.v1.Health/Check", { session: admin });
    expect(otherService.status).toBe(404);
    const body = toBinary(StopServiceRequestSchema, create(StopServiceRequestSchema, { name: "x" }));
    const noAgent = await post("/rpc/nowhere/sysward.agent.v1.AgentService/StopService", { session: admin, body });
    expect(noAgent.status).toBe(404);
    expect(await noAgent.json()).toMatchObject({ code: "not_found" });
  });
});

describe.each(DOORS)("/agents/<id>/debug/vars through its %s", (door) => {
  const vars = (agentId: string, opts: RequestOptions) =>
    through(door, consoleRequest(`/agents/${agentId}/debug/vars`, opts), (r) => debugVarsRoute.GET(r, { params: Promise.resolve({ agentId }) }));

  it("returns the agent's expvar JSON to any signed-in user", async () => {
    const res = await vars("local", { session: viewer });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toHaveProperty("cmdline");
    expect(body).toHaveProperty("memstats");
  });

  it("is 401 without credentials and 404 for an unknown agent", async () => {
    expect((await vars("local", {})).status).toBe(401);
    expect((await vars("nowhere", { session: viewer })).status).toBe(404);
  });
});

describe("the console server's door", () => {
  /** What an answer says apart from when it was made and how it was framed. */
  const shape = async (res: Response) => {
    const headers = [...res.headers].filter(([k]) => !["date", "connection", "keep-alive", "transfer-encoding", "content-length"].includes(k)).sort();
    const text = await res.text();
    return { status: res.status, headers, body: /json/.test(res.headers.get("content-type") ?? "") ? Object.keys(JSON.parse(text) as object).sort() : text.length > 0 };
  };

  it("answers as the route files do (plus the headers next.config.ts gives every answer), without reaching Next", async () => {
    reachedNext = [];
    const token = createToken(1, "door").token;
    const cases: Array<[string, RequestOptions, (r: ReturnType<typeof consoleRequest>) => Promise<Response> | Response]> = [
      ["/agents/local/debug/vars", { token, origin: null }, (r) => debugVarsRoute.GET(r, { params: Promise.resolve({ agentId: "local" }) })],
      ["/agents/local/debug/vars", {}, (r) => debugVarsRoute.GET(r, { params: Promise.resolve({ agentId: "local" }) })],
      ["/agents/nowhere/debug/vars", { session: viewer }, (r) => debugVarsRoute.GET(r, { params: Promise.resolve({ agentId: "nowhere" }) })],
      ["/agents/local/debug/vars", { method: "OPTIONS", session: viewer }, (r) => debugVarsRoute.OPTIONS(r)],
      ["/agents/local/debug/vars", { method: "OPTIONS" }, (r) => debugVarsRoute.OPTIONS(r)],
      ["/rpc/local/sysward.agent.v1.AgentService/AgentInfo?connect=v1&encoding=json&message=%7B%7D", { session: viewer }, (r) => rpcRoute.GET(r, { params: Promise.resolve({ agentId: "local", method: ["sysward.agent.v1.AgentService", "AgentInfo"] }) })],
      ["/rpc/local/sysward.agent.v1.AgentService/AgentInfo?connect=v1&encoding=json&message=%7B%7D", {}, (r) => rpcRoute.GET(r, { params: Promise.resolve({ agentId: "local", method: ["sysward.agent.v1.AgentService", "AgentInfo"] }) })],
      ["/rpc/local/sysward.agent.v1.AgentService/StopService", { session: viewer, method: "POST", json: { name: "x" } }, (r) => rpcRoute.POST(r, { params: Promise.resolve({ agentId: "local", method: ["sysward.agent.v1.AgentService", "StopService"] }) })],
      ["/rpc/local/sysward.agent.v1.AgentService/StopService", { session: admin, method: "POST", json: { name: "x" }, origin: "http://evil.test" }, (r) => rpcRoute.POST(r, { params: Promise.resolve({ agentId: "local", method: ["sysward.agent.v1.AgentService", "StopService"] }) })],
      ["/rpc/local/grpc.health.v1.Health/Check", { session: admin, method: "POST", json: {} }, (r) => rpcRoute.POST(r, { params: Promise.resolve({ agentId: "local", method: ["grpc.health.v1.Health", "Check"] }) })],
    ];
    for (const [path, opts, route] of cases) {
      const what = `${opts.method ?? "GET"} ${path} (${Object.keys(opts).join(", ") || "no credentials"})`;
      const viaRoute = await shape(await route(consoleRequest(path, opts)));
      const served = await viaServer(consoleRequest(path, opts));
      expect(served.headers.get("content-security-policy"), what).toContain("frame-ancestors 'none'");
      for (const [k, v] of [["x-content-type-options", "nosniff"], ["x-frame-options", "DENY"], ["referrer-policy", "same-origin"], ["cross-origin-opener-policy", "same-origin"]]) expect(served.headers.get(k!), what).toBe(v);
      expect(served.headers.get("strict-transport-security"), what).toBeNull();
      const viaServerShape = await shape(served);
      const own = new Set(["content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy", "cross-origin-opener-policy"]);
      expect({ ...viaServerShape, headers: viaServerShape.headers.filter(([k]) => !own.has(k)) }, what).toEqual(viaRoute);
    }
    expect(reachedNext).toEqual([]);
  });

  it("audits a write with the address its socket came from, not one the client claims", async () => {
    const req = consoleRequest("/rpc/local/sysward.agent.v1.AgentService/StopService", { session: admin, method: "POST", json: { name: "nosuchforged" }, address: "203.0.113.9" });
    const res = await viaServer(req);
    expect(res.status).toBe(404);
    await res.text(); // the outcome is audited once the answer has passed
    await expect.poll(() => listAudit({ limit: 20 }).find((e) => e.target === "local/nosuchforged")).toMatchObject({ action: "stop", result: "failed", address: "127.0.0.1" });
  });

  it("leaves to Next what the route files do not answer as such: HEAD, other methods, other spellings of the paths", async () => {
    reachedNext = [];
    const token = createToken(1, "door-next").token;
    const asked = [
      ["HEAD", "/agents/local/debug/vars"],
      ["PUT", "/agents/local/metrics"],
      ["DELETE", "/rpc/local/sysward.agent.v1.AgentService/AgentInfo"],
      ["GET", "/agents/local/debug/vars/"],
      ["GET", "/agents/%6Cocal/metrics"],
      ["POST", "/rpc/local"],
      ["GET", "/agents/local/debug"],
    ];
    for (const [method, path] of asked) {
      const res = await fetch(`${serverOrigin}${path}`, { method, headers: { authorization: `Bearer ${token}` }, redirect: "manual" });
      expect(`${method} ${path}: ${res.status}`).toBe(`${method} ${path}: 500`);
    }
    expect(reachedNext).toEqual(asked.map(([m, p]) => `${m} ${p}`));
  });

  it("a revoked token and an ended session are refused on their next request", async () => {
    const { token, summary } = createToken(1, "revoked");
    const get = (opts: RequestOptions) => viaServer(consoleRequest("/agents/local/debug/vars", opts)).then((r) => r.status);
    expect(await get({ token })).toBe(200);
    deleteToken(summary.id);
    expect(await get({ token })).toBe(401);
    const session = createSession(1, null).id;
    expect(await get({ session })).toBe(200);
    deleteSession(session);
    expect(await get({ session })).toBe(401);
  });
});

describe("/api/agents", () => {
  it("lists the local agent as up while it runs, and down once it stops (within 5 s)", async () => {
    const list = async () => (await (await agentsRoute.GET(consoleRequest("/api/agents", { session: viewer }))).json()) as { agents: Array<{ id: string; up: boolean; address: string }> };
    expect((await list()).agents).toEqual([expect.objectContaining({ id: "local", up: true, address: `unix://${agent.socketPath}` })]);
    await agent.stop();
    // The fleet monitor's view: down as soon as it sees the connection close.
    await expect.poll(async () => (await list()).agents, { timeout: 5000 }).toEqual([expect.objectContaining({ id: "local", up: false })]);
    const res = await debugVarsRoute.GET(consoleRequest("/agents/local/debug/vars", { session: viewer }), { params: Promise.resolve({ agentId: "local" }) });
    expect(res.status).toBe(503);
    // The agent comes back: the shared connection reconnects on the next call.
    agent = await env.startAgent({ SYSWARD_PERF_INTERVAL_MS: String(PERF_INTERVAL_MS) });
    await expect.poll(async () => (await list()).agents, { timeout: 10_000 }).toEqual([expect.objectContaining({ id: "local", up: true })]);
  });
});
