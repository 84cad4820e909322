// The TCP listener's caps on the real agent: connections that open and never finish their TLS
// handshake take no more than SYSWARD_TLS_MAX_HANDSHAKES slots, are dropped after the handshake
// timeout, the refusals are logged once with a count (not a line each), and a real client gets
// through once the flood is gone.
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AgentService } from "@sysward/proto";
import { rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../runtime/testing/wait-for";
import { makeTestPki, mtlsListenEnv, type TestPki } from "./testing/test-pki";
import { startTestAgent, type TestAgent } from "./testing/start-test-agent";

const MAX_HANDSHAKES = 4;
let pki: TestPki;
let agent: TestAgent;
let port: number;

beforeAll(async () => {
  pki = makeTestPki();
  agent = await startTestAgent({ env: mtlsListenEnv(pki, { SYSWARD_TLS_MAX_HANDSHAKES: String(MAX_HANDSHAKES), SYSWARD_TLS_HANDSHAKE_TIMEOUT_SECONDS: "2" }) });
  port = agent.tcpPort();
});
afterAll(async () => {
  await agent?.stop();
  agent?.cleanup();
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
});

/** A TCP connection that says nothing: a handshake that never starts. Resolves once connected. */
function silentConnection(): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const opened = Date.now();
    const socket = connect(port, "127.0.0.1", () => resolve({ socket, closed }));
    const closed = new Promise<number>((r) => socket.once("close", () => r(Date.now() - opened)));
    socket.once("error", reject);
  });
}

function client() {
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${agent.token}`);
    return next(req);
  };
  return createClient(AgentService, createGrpcTransport({ baseUrl: `https://127.0.0.1:${port}`, nodeOptions: { ca: pki.ca, cert: pki.client.cert, key: pki.client.key }, interceptors: [bearer] }));
}

describe("the TCP listener under a flood of connections that never handshake", () => {
  it("holds at most the handshake cap, drops the rest at once, times the held ones out, then serves a real client", async () => {
    const held = await Promise.all(Array.from({ length: MAX_HANDSHAKES }, () => silentConnection()));
    // Give the agent a moment to have counted them all (its "connection" events run after ours).
    await new Promise((r) => setTimeout(r, 200));
    const extra = await Promise.all(Array.from({ length: 10 }, () => silentConnection()));
    const extraLifetimes = await Promise.all(extra.map((c) => c.closed));
    // The held ones are dropped by the handshake timeout (this test never closes them) — after
    // every extra one, which the agent closed as soon as it arrived.
    const heldLifetimes = await Promise.all(held.map((c) => c.closed));
    expect(Math.max(...extraLifetimes)).toBeLessThan(Math.min(...heldLifetimes));
    expect((await client().agentInfo({})).os).toBe("linux");
    // Ten refusals: one line at once, one with the count of the rest — not ten lines.
    const lines = await waitFor(() => {
      const refusals = agent.output().split("\n").filter((l) => l.includes('"msg":"TCP connection refused"'));
      const counted = refusals.reduce((n, l) => n + (JSON.parse(l) as { count: number }).count, 0);
      return counted === 10 && refusals;
    }, "the refusals to be logged", { timeoutMs: 15_000 });
    expect(lines.length).toBeLessThanOrEqual(2);
  }, 30_000);
});
