// The engine's lifecycle rules on a real console.sqlite with the clock in the test's hands: the
// fleet is a list of machine states the test edits (what the fleet monitor would hold), passes run
// at chosen times, and the outbox is read back. What the real path (alert-engine.test.ts) would
// need minutes to show: repeats, a pending alert that never fired, a rule turned off, a machine
// removed, a resolve only for what was sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MachineState } from "../../shared/fleet-types";
import { getDb } from "../db/database";
import { getLogger } from "../log";
import { setupConsoleTestEnv } from "../testing/console-test-env";
import { AlertEngine, type FleetSource } from "./alert-engine";
import { createRule, editRule, ensureBuiltInRules } from "./alert-rules";
import { createChannel } from "./channels/channel-store";
import { createSilence } from "./silences";
import { recordCertificate } from "../pki/certificate-store";

const env = setupConsoleTestEnv({ SYSWARD_ALERT_MACHINE_DOWN_SECONDS: "30" });
afterAll(() => env.cleanup());

const machine = (id: string, patch: Partial<MachineState> = {}): MachineState => ({
  id,
  name: id,
  address: "unix:///nowhere",
  labels: { env: "prod" },
  reach: "up",
  since: 0,
  reason: "",
  info: null,
  perf: { t: 0, cpuPercent: 10, memPercent: 50, memUsedBytes: 1, memTotalBytes: 2, load1: 0, disk: null },
  services: [],
  failed: 0,
  spark: [],
  sparkT: 0,
  ...patch,
});

class Fleet implements FleetSource {
  machines = new Map<string, MachineState>();
  rev = 0;
  list() {
    return [...this.machines.values()];
  }
  get(id: string) {
    return this.machines.get(id);
  }
  waitForStatusChange(_rev: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  }
  set(m: MachineState) {
    this.machines.set(m.id, m);
  }
}

const outbox = () => getDb().prepare("SELECT a.rule_id AS rule, a.agent_id AS agent, n.status FROM alert_notifications n JOIN alerts a ON a.id = n.alert_id ORDER BY n.id").all() as Array<{ rule: string; agent: string; status: string }>;
const T0 = 1_000_000_000_000;
const s = (n: number) => T0 + n * 1000;

let fleet: Fleet;
let engine: AlertEngine;
beforeAll(() => {
  createChannel({ type: "webhook", name: "outbox-only", url: "http://127.0.0.1:9/unused" }, "admin");
  fleet = new Fleet();
  // Never started: no loop and no dispatcher; each pass is the test's, and the outbox stays as queued.
  engine = new AlertEngine({ fleet, evalMs: 1000, historyDays: 30, retryBaseMs: 1000, retryMaxMs: 1000, maxAttempts: 1, log: getLogger() });
});

describe("the alert lifecycle", () => {
  it("machine-down: pending until the threshold, firing once, repeated after repeatMinutes, resolved once", () => {
    ensureBuiltInRules(T0);
    editRule("machine-down", { repeatMinutes: 10 });
    fleet.set(machine("m1", { reach: "down", since: s(0) }));
    engine.evaluate(s(1));
    expect(engine.alerts({ state: "pending", limit: 10 }, s(1)).map((a) => a.agentId)).toEqual(["m1"]);
    engine.evaluate(s(29));
    expect(outbox()).toEqual([]);
    engine.evaluate(s(30));
    engine.evaluate(s(31));
    expect(outbox()).toEqual([{ rule: "machine-down", agent: "m1", status: "firing" }]);
    engine.evaluate(s(30 + 599));
    expect(outbox()).toHaveLength(1);
    engine.evaluate(s(30 + 600));
    expect(outbox()).toHaveLength(2);
    fleet.set(machine("m1"));
    engine.evaluate(s(700));
    engine.evaluate(s(701));
    expect(outbox().map((n) => n.status)).toEqual(["firing", "firing", "resolved"]);
    expect(engine.alerts({ state: "resolved", limit: 10 }).map((a) => a.agentId)).toEqual(["m1"]);
  });

  it("a pending alert whose condition ends is dropped unsent; one never sent (silenced throughout) resolves unsent", () => {
    fleet.set(machine("m2", { reach: "down", since: s(1000) }));
    engine.evaluate(s(1010));
    fleet.set(machine("m2"));
    engine.evaluate(s(1011));
    expect(engine.alerts({ limit: 100 }).filter((a) => a.agentId === "m2")).toEqual([]);

    createSilence({ selector: "env=prod", service: "", rule: "machine-down", minutes: 525_600, reason: "maintenance" }, "admin", s(1100));
    const before = outbox().length;
    fleet.set(machine("m3", { reach: "down", since: s(1100) }));
    engine.evaluate(s(1200));
    expect(engine.alerts({ state: "silenced", limit: 10 }, s(1200)).map((a) => a.agentId)).toEqual(["m3"]);
    fleet.set(machine("m3"));
    engine.evaluate(s(1201));
    expect(outbox()).toHaveLength(before);
    expect(engine.alerts({ state: "resolved", limit: 10 }).map((a) => a.agentId)).toContain("m3");
  });

  it("a threshold rule turned off resolves its alerts; a machine removed resolves its own", () => {
    createRule({ id: "cpu-hot", metric: "cpu", threshold: 90, forSeconds: 0, selector: "", service: "", severity: "warning", repeatMinutes: 0, channels: [], enabled: true }, s(2000));
    fleet.set(machine("m4", { perf: { t: 0, cpuPercent: 95, memPercent: 1, memUsedBytes: 1, memTotalBytes: 2, load1: 0, disk: null } }));
    fleet.set(machine("m5", { perf: { t: 0, cpuPercent: 99, memPercent: 1, memUsedBytes: 1, memTotalBytes: 2, load1: 0, disk: null } }));
    const before = outbox().length;
    engine.evaluate(s(2001));
    expect(engine.firingByRule().get("cpu-hot")).toBe(2);
    // repeatMinutes 0: never sent again.
    engine.evaluate(s(9000));
    expect(outbox().slice(before).map((n) => `${n.agent} ${n.status}`)).toEqual(["m4 firing", "m5 firing"]);
    fleet.machines.delete("m5");
    engine.evaluate(s(9001));
    editRule("cpu-hot", { enabled: false });
    engine.evaluate(s(9002));
    expect(engine.firingByRule().get("cpu-hot")).toBe(0);
    expect(outbox().slice(before).map((n) => `${n.agent} ${n.status}`)).toEqual(["m4 firing", "m5 firing", "m5 resolved", "m4 resolved"]);
  });

  it("certificate-expiring from the certificates table (the newest unrevoked one counts), unsandboxed from the machine's isolation", () => {
    const day = 86_400_000;
    const at = s(20_000);
    recordCertificate({ serial: "0A", fingerprint256: "aa", kind: "agent", subject: "CN=m6", agentId: "m6", notAfter: at + 5 * day, issuedAt: at - 80 * day });
    recordCertificate({ serial: "0B", fingerprint256: "bb", kind: "agent", subject: "CN=m7", agentId: "m7", notAfter: at + 3 * day, issuedAt: at - 80 * day });
    // m7 renewed: its newer certificate has months left.
    recordCertificate({ serial: "0C", fingerprint256: "cc", kind: "agent", subject: "CN=m7", agentId: "m7", notAfter: at + 90 * day, issuedAt: at - day });
    fleet.set(machine("m6"));
    fleet.set(machine("m7"));
    const info = { hostname: "m8", os: "linux", osRelease: "", kernel: "", arch: "x64", cpuModel: "", cpuCount: 1, agentVersion: "1.0.0", runtime: "supervisor", memoryTotalBytes: 1, sandboxed: false, isolationDetail: "SYSWARD_SANDBOX=off" };
    const svc = { name: "web", state: "running" as const, version: "1-a", since: null, restarts: 0, detail: "", phase: "", enabled: true };
    fleet.set(machine("m8", { info, services: [svc] }));
    engine.evaluate(at);
    const firing = engine.alerts({ state: "firing", limit: 100 }, at).map((a) => `${a.ruleId} ${a.agentId}`);
    expect(firing).toContain("certificate-expiring m6");
    expect(firing).not.toContain("certificate-expiring m7");
    expect(firing).toContain("unsandboxed m8");
  });
});
