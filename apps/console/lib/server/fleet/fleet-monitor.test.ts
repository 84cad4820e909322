// The fleet monitor against REAL agents on their sockets: both machines up with their facts, a
// service seen through WatchServices, a killed agent marked down (and its reason) within 5 s and
// up again by itself when it returns, a frozen one (SIGSTOP: its socket stays open, only the
// HTTP/2 keep-alive PING can tell) likewise, and "down since" kept across a console restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installVia } from "../../../../agent/src/install/testing/install-via";
import { shellBodies, shellServiceZip } from "../../../../agent/src/install/testing/package-fixtures";
import { startTestAgent, type TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import { closeAgentConnections } from "../agents/agent-connection";
import { registerAgent } from "../agents/registry";
import { setupConsoleTestEnv } from "../testing/console-test-env";
import { getFleetMonitor, stopFleetMonitor } from "./fleet";
import { listFleetEvents } from "./fleet-events";

// Samples five times a second (the default is one per 5 s), so the tests need not wait.
const env = setupConsoleTestEnv({ SYSWARD_FLEET_PERF_MS: "200" });
const AGENT_ENV = { SYSWARD_SERVICE_WATCH_MS: "100", SYSWARD_PERF_INTERVAL_MS: "200" };
let local: TestAgent;
let other: TestAgent;

beforeAll(async () => {
  local = await env.startAgent(AGENT_ENV);
  other = await startTestAgent({ env: AGENT_ENV });
  registerAgent({ id: "other", name: "Other machine", address: `unix://${other.socketPath}`, credential: { kind: "token", token: other.token } });
});
afterAll(async () => {
  await stopFleetMonitor();
  await other?.stop().catch(() => other.kill());
  other?.cleanup();
  await env.cleanup();
});

const machine = (id: string) => getFleetMonitor().get(id);
const soon = <T>(fn: () => T) => expect.poll(fn, { timeout: 15_000 });

/** Milliseconds until `id` is down, failing past `limitMs`. */
async function timeUntilDown(id: string, limitMs: number): Promise<number> {
  const started = Date.now();
  while (machine(id)?.reach !== "down") {
    if (Date.now() - started > limitMs) throw new Error(`${id} not down after ${limitMs} ms (${machine(id)?.reach})`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

describe("the fleet monitor", () => {
  it("watches every registered machine: up, its facts, a sample, a sparkline and its services", async () => {
    await soon(() => machine("local")?.reach).toBe("up");
    await soon(() => machine("other")?.reach).toBe("up");
    const m = machine("other")!;
    expect(m.name).toBe("Other machine");
    expect(m.info?.agentVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(m.info?.cpuCount).toBeGreaterThan(0);
    await soon(() => machine("other")?.perf?.memTotalBytes ?? 0).toBeGreaterThan(0);
    expect(machine("other")!.spark.length).toBeGreaterThan(0);

    await installVia(other.client(), { name: "web", healthSeconds: 1 }, shellServiceZip("web", shellBodies.steady("web")));
    await soon(() => machine("other")?.services.find((s) => s.name === "web")?.state).toBe("running");
    expect(machine("other")!.services.find((s) => s.name === "web")!.version).toMatch(/^1-/);
    expect(machine("local")!.services).toEqual([]);
    const kinds = listFleetEvents({ agentId: "other", limit: 50 }).map((e) => `${e.kind} ${e.service ?? ""} ${e.state}`.replace(/ \d+-[0-9a-f]+$/, " <version>"));
    expect(kinds).toEqual(expect.arrayContaining(["machine.up  up", "service.state web running", "service.version web <version>"]));
  });

  it("marks a killed agent down within 5 s with the reason, and up again by itself when it is back", async () => {
    await soon(() => machine("other")?.reach).toBe("up");
    await other.kill();
    expect(await timeUntilDown("other", 5000)).toBeLessThan(5000);
    expect(machine("other")!.reason).not.toBe("");
    const downSince = machine("other")!.since;
    expect(listFleetEvents({ agentId: "other", limit: 1 })[0]).toMatchObject({ kind: "machine.down", at: downSince });

    other = await startTestAgent({ dataDir: other.dataDir, env: AGENT_ENV });
    await soon(() => machine("other")?.reach).toBe("up");
    expect(machine("other")!.since).toBeGreaterThan(downSince);
    // The service it left running is adopted by the new agent and seen again.
    await soon(() => machine("other")?.services.find((s) => s.name === "web")?.state).toBe("running");
  });

  it("marks a frozen agent down within 5 s (keep-alive PING), and up again when it thaws", async () => {
    await soon(() => machine("local")?.reach).toBe("up");
    process.kill(local.process.pid!, "SIGSTOP");
    try {
      expect(await timeUntilDown("local", 5000)).toBeLessThan(5000);
      expect(machine("local")!.reason).toMatch(/ping|deadline|timed out/i);
    } finally {
      process.kill(local.process.pid!, "SIGCONT");
    }
    await soon(() => machine("local")?.reach).toBe("up");
  });

  it("reconnects without calling the machine down when the console itself closes its connections (a certificate rotation)", async () => {
    await soon(() => machine("local")?.reach).toBe("up");
    const events = () => listFleetEvents({ agentId: "local", limit: 100 }).filter((e) => e.kind === "machine.down").length;
    const before = events();
    const seen = new Set<string>();
    const watch = setInterval(() => seen.add(machine("local")?.reach ?? "?"), 10);
    try {
      closeAgentConnections();
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      clearInterval(watch);
    }
    expect([...seen]).toEqual(["up"]);
    expect(events()).toBe(before);
    // …and it is really watching again: a new sample arrives on the new connection.
    const t = machine("local")!.perf!.t;
    await soon(() => machine("local")?.perf?.t ?? 0).toBeGreaterThan(t);
  });

  it("keeps 'down since' across a console restart", async () => {
    await other.kill();
    await soon(() => machine("other")?.reach).toBe("down");
    const since = machine("other")!.since;
    await stopFleetMonitor();
    // A new console process starts from the events: still down, since the same moment.
    expect(machine("other")).toMatchObject({ reach: "down", since });
    await new Promise((r) => setTimeout(r, 1500)); // its first tries fail too
    expect(machine("other")).toMatchObject({ reach: "down", since });
    await soon(() => machine("local")?.reach).toBe("up");
    expect(listFleetEvents({ agentId: "other", limit: 5 }).filter((e) => e.kind === "machine.down" && e.at > since)).toEqual([]);
    other = await startTestAgent({ dataDir: other.dataDir, env: AGENT_ENV });
    await soon(() => machine("other")?.reach).toBe("up");
  });
});
