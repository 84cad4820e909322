// A machine registered during a request (POST /api/agents, with its up-check on the agent's
// connection) is watched from the server's boot context: its connection, streams, timers and
// pending promises do not keep the request's AsyncLocalStorage store — which in Next holds the
// whole request — alive after it ended. Against a REAL agent on its socket, with a real GC.
import { AsyncLocalStorage } from "node:async_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import { agentClient } from "../agents/agent-client";
import { agentConnection } from "../agents/agent-connection";
import { getAgentRecord, registerAgent } from "../agents/registry";
import { setupConsoleTestEnv } from "../testing/console-test-env";
import { getFleetMonitor, stopFleetMonitor } from "./fleet";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const env = setupConsoleTestEnv({ SYSWARD_FLEET_PERF_MS: "200" });
let other: TestAgent;

beforeAll(async () => {
  await env.startAgent({ SYSWARD_PERF_INTERVAL_MS: "200" });
  other = await startTestAgent({ env: { SYSWARD_PERF_INTERVAL_MS: "200" } });
  // As at boot: the monitor starts outside any request.
  getFleetMonitor();
});
afterAll(async () => {
  await stopFleetMonitor();
  await other?.stop().catch(() => other.kill());
  other?.cleanup();
  await env.cleanup();
});

it("does not keep the request that registered a machine", async () => {
  const requestContext = new AsyncLocalStorage<{ body: Uint8Array }>();
  let request: { body: Uint8Array } | undefined = { body: new Uint8Array(1 << 20) };
  const ref = new WeakRef(request);
  await requestContext.run(request, async () => {
    registerAgent({ id: "other", name: "Other machine", address: `unix://${other.socketPath}`, credential: { kind: "token", token: other.token } });
    // The registration route's up-check opens the agent's connection inside the request.
    await agentClient(agentConnection(getAgentRecord("other")!)).agentInfo({}, { timeoutMs: 5000 });
  });
  request = undefined;
  await expect.poll(() => getFleetMonitor().get("other")?.perf?.t ?? 0, { timeout: 15_000 }).toBeGreaterThan(0);
  // Samples keep arriving on the watch's streams while the collector runs.
  for (let k = 0; k < 5 && ref.deref(); k++) {
    await new Promise((r) => setTimeout(r, 300));
    gc();
  }
  expect(ref.deref()).toBeUndefined();
  expect(getFleetMonitor().get("other")?.reach).toBe("up");
});
