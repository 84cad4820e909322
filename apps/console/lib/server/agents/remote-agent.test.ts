// A remote agent over https with mutual TLS: registered through the API, reached through the same
// proxy as the local one. The agent is REAL, listening on TCP with a throwaway PKI (openssl).
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as debugVarsRoute from "@/app/agents/[agentId]/debug/vars/route";
import * as agentRoute from "@/app/api/agents/[agentId]/route";
import * as agentsRoute from "@/app/api/agents/route";
import { startTestAgent, type TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import { makeTestPki, mtlsListenEnv, type TestPki } from "../../../../agent/src/rpc/testing/test-pki";
import { listAudit } from "../audit/audit-log";
import { getDb } from "../db/database";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";
import { proxiedAgentClient } from "../testing/rpc-client";

const env = setupConsoleTestEnv();
let pki: TestPki;
let remote: TestAgent;
let port: number;
let admin: string;
let viewer: string;

beforeAll(async () => {
  pki = makeTestPki();
  remote = await startTestAgent({ env: mtlsListenEnv(pki) });
  port = remote.tcpPort();
  admin = createSession((await createUser({ username: "admin1", password: "admin password", role: "admin" })).id, null).id;
  viewer = createSession((await createUser({ username: "viewer1", password: "viewer password", role: "viewer" })).id, null).id;
});
afterAll(async () => {
  await remote?.stop();
  remote?.cleanup();
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
  await env.cleanup();
});

const register = (body: unknown, session = admin) => agentsRoute.POST(consoleRequest("/api/agents", { json: body, session }));
const mtls = (client = pki.client, token = remote.token) => ({ kind: "mtls", token, caPath: pki.caPath, certPath: client.certPath, keyPath: client.keyPath });

const client = (agentId: string) => proxiedAgentClient(agentId, viewer);

describe("a remote agent over https + mTLS", () => {
  it("is registered by an admin, answers through the proxy, and its token never comes back out", async () => {
    const res = await register({ id: "remote1", name: "Remote one", address: `https://127.0.0.1:${port}`, credential: mtls() });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ agent: { id: "remote1", name: "Remote one", address: `https://127.0.0.1:${port}`, up: true } });

    const info = await client("remote1").agentInfo({});
    expect(info.hostname).not.toBe("");

    const vars = await debugVarsRoute.GET(consoleRequest("/agents/remote1/debug/vars", { session: viewer }), { params: Promise.resolve({ agentId: "remote1" }) });
    expect(vars.status).toBe(200);
    expect(await vars.json()).toHaveProperty("cmdline");

    const listed = await (await agentsRoute.GET(consoleRequest("/api/agents", { session: viewer }))).text();
    expect(listed).toContain('"id":"remote1"');
    expect(listed).not.toContain(remote.token);
    // Nor is it in the database file: sealed with the key kept in its own file (secret-box.ts).
    getDb().pragma("wal_checkpoint(TRUNCATE)");
    const dbBytes = readFileSync(join(env.consoleDataDir, "console.sqlite")).toString("latin1");
    expect(dbBytes).not.toContain(remote.token);
    expect(dbBytes).toContain("sealed:v1:");
    expect(statSync(join(env.consoleDataDir, "secret.key")).mode & 0o777).toBe(0o600);
    expect(listAudit({ limit: 5 }).find((e) => e.action === "agent.register")).toMatchObject({ target: "remote1", result: "ok" });
  });

  it("a client certificate from another CA gets nowhere: the agent is down and calls are Unavailable", async () => {
    expect((await register({ id: "foreign", name: "Foreign cert", address: `https://127.0.0.1:${port}`, credential: mtls(pki.foreignClient) })).status).toBe(201);
    const list = (await (await agentsRoute.GET(consoleRequest("/api/agents", { session: viewer }))).json()) as { agents: Array<{ id: string; up: boolean }> };
    expect(list.agents.find((a) => a.id === "foreign")?.up).toBe(false);
    await expect(client("foreign").agentInfo({})).rejects.toThrow(/unavailable|unreachable/i);
  });

  it("refuses bad registrations with a reason, and viewers outright", async () => {
    expect((await register({ id: "x1", name: "x", address: `https://127.0.0.1:${port}`, credential: { kind: "token", token: "t" } })).status).toBe(400);
    expect((await register({ id: "x2", name: "x", address: "ftp://somewhere", credential: mtls() })).status).toBe(400);
    expect((await register({ id: "Not An Id", name: "x", address: `https://127.0.0.1:${port}`, credential: mtls() })).status).toBe(400);
    expect((await register({ id: "remote1", name: "again", address: `https://127.0.0.1:${port}`, credential: mtls() })).status).toBe(409);
    expect((await register({ id: "x3", name: "x", address: `https://127.0.0.1:${port}`, credential: mtls() }, viewer)).status).toBe(403);
  });

  it("is removed by an admin (the local agent cannot be)", async () => {
    const del = (id: string, session = admin) => agentRoute.DELETE(consoleRequest(`/api/agents/${id}`, { method: "DELETE", session }), { params: Promise.resolve({ agentId: id }) });
    expect((await del("remote1", viewer)).status).toBe(403);
    expect((await del("local")).status).toBe(409);
    expect((await del("remote1")).status).toBe(200);
    expect((await del("remote1")).status).toBe(404);
    await expect(client("remote1").agentInfo({})).rejects.toThrow(/no agent/);
  });
});
