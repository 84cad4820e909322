// fleet_events on a real console.sqlite: bounded by age and by count, and the last facts per
// machine and service (what the monitor starts from) survive the pruning of older rows.
import { afterAll, describe, expect, it } from "vitest";
import { registerAgent } from "../agents/registry";
import { getDb } from "../db/database";
import { setupConsoleTestEnv } from "../testing/console-test-env";
import { lastReachability, lastServiceFacts, listFleetEvents, pruneFleetEvents, recordFleetEvent } from "./fleet-events";

const env = setupConsoleTestEnv();
afterAll(() => env.cleanup());

const DAY = 86_400_000;

describe("fleet events", () => {
  it("are pruned by age and by count, keeping the newest", () => {
    registerAgent({ id: "m1", name: "m1", address: "unix:///nowhere/agent.sock", credential: { kind: "token", token: "t" } });
    const now = Date.now();
    recordFleetEvent({ at: now - 40 * DAY, agentId: "m1", kind: "machine.down", state: "down", detail: "old" });
    for (let i = 9; i >= 0; i--) recordFleetEvent({ at: now - i * 1000, agentId: "m1", kind: i % 2 ? "machine.up" : "machine.down", state: i % 2 ? "up" : "down" });
    expect(pruneFleetEvents(now, 30, 1000)).toBe(1);
    expect(listFleetEvents({ limit: 100 }).map((e) => e.detail)).not.toContain("old");
    expect(pruneFleetEvents(now, 30, 4)).toBe(6);
    const left = listFleetEvents({ limit: 100 });
    expect(left.length).toBe(4);
    // The newest rows are the ones kept; the newest of all (i = 0) says down.
    expect(Math.max(...left.map((e) => e.at))).toBe(now);
    expect(lastReachability().get("m1")).toMatchObject({ kind: "machine.down", at: now });
  });

  it("give each service's last state and version, and go with their machine", () => {
    registerAgent({ id: "m2", name: "m2", address: "unix:///nowhere/agent.sock", credential: { kind: "token", token: "t" } });
    const at = Date.now();
    recordFleetEvent({ at, agentId: "m2", kind: "service.state", service: "api", state: "running" });
    recordFleetEvent({ at, agentId: "m2", kind: "service.version", service: "api", state: "1-aaaaaaaa" });
    recordFleetEvent({ at, agentId: "m2", kind: "service.state", service: "api", state: "failed" });
    recordFleetEvent({ at, agentId: "m2", kind: "service.version", service: "api", state: "2-bbbbbbbb" });
    expect(lastServiceFacts().get("m2")?.get("api")).toEqual({ state: "failed", version: "2-bbbbbbbb" });
    // An event for a machine removed meanwhile is dropped, not an error.
    recordFleetEvent({ at, agentId: "gone", kind: "machine.up", state: "up" });
    getDb().prepare("DELETE FROM agents WHERE id = 'm2'").run();
    expect(listFleetEvents({ agentId: "m2", limit: 10 })).toEqual([]);
  });
});
