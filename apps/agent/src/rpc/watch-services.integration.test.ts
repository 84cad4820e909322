// WatchServices over the REAL agent's socket: a snapshot, then each change — an install's
// phases, a crash only the runtime knows about (the agent's poll finds it), stop, remove — and
// watchers that never read cost the agent a bounded amount and are forgotten when they go.
import type { Client } from "@connectrpc/connect";
import { AgentService, InstallPhase, ServiceState, type Service, type WatchServicesResponse } from "@sysward/proto";
import { setMaxListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installVia } from "../install/testing/install-via";
import { shellBodies, shellServiceZip } from "../install/testing/package-fixtures";
import { describeEachTransport } from "./testing/for-each-transport";
import { debugVars } from "./testing/debug-vars";
import { rssBytes } from "../reliability/testing/proc-usage";
import { startTestAgent, type TestAgent } from "./testing/start-test-agent";

type AgentClient = Client<typeof AgentService>;

/** expect.poll with room for a restart's backoff (1 s) on a busy machine. */
const soon = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 });

/** Reads a WatchServices stream in the background, keeping every message and the latest state per service. */
class Watch {
  readonly messages: WatchServicesResponse[] = [];
  readonly latest = new Map<string, Service>();
  readonly #ac = new AbortController();
  readonly done: Promise<void>;

  constructor(client: AgentClient) {
    this.done = (async () => {
      for await (const m of client.watchServices({}, { signal: this.#ac.signal })) {
        this.messages.push(m);
        if (m.snapshot) this.latest.clear();
        for (const s of m.services) this.latest.set(s.name, s);
        for (const n of m.removed) this.latest.delete(n);
      }
    })().catch(() => {});
  }

  /** Every state `name` was reported in, in order. */
  states(name: string): ServiceState[] {
    return this.messages.flatMap((m) => m.services.filter((s) => s.name === name).map((s) => s.state));
  }

  phases(name: string): InstallPhase[] {
    return this.messages.flatMap((m) => m.services.filter((s) => s.name === name).map((s) => s.phase));
  }

  close(): Promise<void> {
    this.#ac.abort();
    return this.done;
  }
}

const watcherCount = async (agent: TestAgent) => ((await debugVars(agent))["service-watchers"] as { active: number }).active;

describe("WatchServices over the socket", () => {
  let agent: TestAgent;
  beforeAll(async () => {
    agent = await startTestAgent({ env: { SYSWARD_SERVICE_WATCH_MS: "100" } });
  });
  afterAll(async () => {
    await agent?.stop();
    agent?.cleanup();
  });

  describeEachTransport("a watch", (kind) => {
    it("starts with a snapshot and then reports an install's phases, a crash the runtime alone saw, a stop and a remove", async () => {
      const client = agent.client(kind);
      const name = `w${kind.replace(/\W/g, "")}`;
      const watch = new Watch(client);
      try {
        await soon(() => watch.messages.length).toBeGreaterThan(0);
        expect(watch.messages[0]!.snapshot).toBe(true);
        expect(watch.messages[0]!.services.map((s) => s.name)).not.toContain(name);

        await installVia(client, { name, healthSeconds: 1 }, shellServiceZip(name, shellBodies.steady(name)));
        await soon(() => watch.latest.get(name)?.state).toBe(ServiceState.RUNNING);
        await soon(() => watch.latest.get(name)?.phase).toBe(InstallPhase.RUNNING);
        // The install was followed step by step, not only its end.
        expect(watch.phases(name)).toContain(InstallPhase.HEALTH);
        expect(watch.latest.get(name)!.version?.id).toMatch(/^1-/);
        const messagesBefore = watch.messages.length;

        // A crash nobody asked for: only the runtime knows, and the agent's poll finds it.
        const pid = watch.latest.get(name)!.pids[0]!;
        process.kill(pid, "SIGKILL");
        await soon(() => watch.latest.get(name)?.restarts ?? 0).toBeGreaterThanOrEqual(1);
        await soon(() => watch.latest.get(name)?.state).toBe(ServiceState.RUNNING);
        expect(watch.latest.get(name)!.pids[0]).not.toBe(pid);
        expect(watch.messages.length).toBeGreaterThan(messagesBefore);

        await client.stopService({ name });
        await soon(() => watch.latest.get(name)?.state).toBe(ServiceState.STOPPED);
        expect(watch.latest.get(name)!.enabled).toBe(false);

        // A second watcher starts from what is true now.
        const late = new Watch(client);
        await soon(() => late.latest.get(name)?.state).toBe(ServiceState.STOPPED);
        expect(late.messages[0]!.snapshot).toBe(true);
        await late.close();

        await client.remove({ name });
        await soon(() => watch.messages.some((m) => m.removed.includes(name))).toBe(true);
        expect(watch.latest.has(name)).toBe(false);
      } finally {
        await watch.close();
      }
    });
  });

  it("sends nothing while nothing changes (perf figures alone are no change)", async () => {
    const client = agent.client();
    await installVia(client, { name: "quiet", healthSeconds: 1 }, shellServiceZip("quiet", shellBodies.steady("quiet")));
    const watch = new Watch(client);
    try {
      await soon(() => watch.latest.get("quiet")?.state).toBe(ServiceState.RUNNING);
      const looks = async () => ((await debugVars(agent))["service-watchers"] as { looks: number }).looks;
      const n = watch.messages.length;
      const start = await looks();
      // Ten looks (100 ms apart) at a service that stays as it is.
      await expect.poll(looks, { timeout: 10_000 }).toBeGreaterThan(start + 10);
      expect(watch.messages.length).toBe(n);
    } finally {
      await watch.close();
      await client.remove({ name: "quiet" });
    }
  });

  it("holds 50 watchers that never read with bounded memory, and forgets them when they go", async () => {
    const client = agent.client("grpc");
    const ac = new AbortController();
    setMaxListeners(60, ac.signal);
    const streams = Array.from({ length: 50 }, () => client.watchServices({}, { signal: ac.signal })[Symbol.asyncIterator]());
    // Pull the snapshot from each so every stream is established, then stop reading.
    await Promise.all(streams.map((s) => s.next()));
    expect(await watcherCount(agent)).toBe(50);
    const before = rssBytes(agent.process.pid!);
    await installVia(client, { name: "churn", healthSeconds: 0 }, shellServiceZip("churn", shellBodies.steady("churn")));
    for (let i = 0; i < 5; i++) await client.restartService({ name: "churn" });
    const after = rssBytes(agent.process.pid!);
    // Each watcher holds at most one name per service, whatever happened meanwhile.
    expect(after - before).toBeLessThan(32 * 1024 * 1024);
    // One of them reads again and reaches the service as it is now.
    const next = await streams[0]!.next();
    expect(next.done).toBe(false);
    const pids = (await client.getService({ name: "churn" })).service!.pids;
    let latest: Service | undefined;
    for (let m = next.value as WatchServicesResponse; ; m = (await streams[0]!.next()).value as WatchServicesResponse) {
      latest = m.services.find((s) => s.name === "churn") ?? latest;
      if (latest !== undefined && latest.pids[0] === pids[0] && latest.state === ServiceState.RUNNING) break;
    }
    ac.abort();
    await soon(() => watcherCount(agent)).toBe(0);
    await client.remove({ name: "churn" });
  });
});
