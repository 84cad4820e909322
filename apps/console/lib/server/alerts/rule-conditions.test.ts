// Rule conditions alone (pure): what holds for which machine and service, and which machines'
// alerts are held because their state is not known. The real path is alert-engine.test.ts.
import { describe, expect, it } from "vitest";
import type { AlertRule } from "../../shared/alert-types";
import type { MachineState } from "../../shared/fleet-types";
import { RestartWindow } from "./restart-window";
import { evaluateRule } from "./rule-conditions";

const machine = (id: string, patch: Partial<MachineState> = {}): MachineState => ({
  id,
  name: id.toUpperCase(),
  address: "unix:///x",
  labels: {},
  reach: "up",
  since: 1000,
  reason: "",
  info: { hostname: id, os: "linux", osRelease: "", kernel: "", arch: "x64", cpuModel: "", cpuCount: 2, agentVersion: "1.0.0", runtime: "supervisor", memoryTotalBytes: 1, sandboxed: true, isolationDetail: "" },
  perf: { t: 0, cpuPercent: 50, memPercent: 40, memUsedBytes: 1, memTotalBytes: 2, load1: 1, disk: null, disks: [{ mount: "/", usedPercent: 91 }, { mount: "/data", usedPercent: 10 }], services: [{ name: "web", cpuPercent: 5, rssBytes: 300 * 1024 * 1024 }] },
  services: [],
  failed: 0,
  spark: [],
  sparkT: 0,
  ...patch,
});
const svc = (name: string, state: MachineState["services"][number]["state"], restarts = 0) => ({ name, state, version: "1-abc", since: null, restarts, detail: state === "failed" ? "crashed 5 times within 60 s" : "", phase: "", enabled: true });
const rule = (kind: AlertRule["kind"], patch: Partial<AlertRule> = {}): AlertRule => ({ id: kind, kind, builtIn: kind !== "threshold", enabled: true, selector: "", service: "", severity: "critical", forSeconds: 0, repeatMinutes: 0, channels: [], ...patch });
const ctx = (now = 10_000, restarts = new RestartWindow(), certificateExpiry = new Map<string, number>()) => ({ now, restarts, certificateExpiry });

describe("rule conditions", () => {
  it("machine-down: down machines, since when they went down; connecting ones held", () => {
    const r = evaluateRule(rule("machine-down"), [machine("a", { reach: "down", since: 5, reason: "unavailable: gone" }), machine("b"), machine("c", { reach: "connecting" })], ctx());
    expect(r.active).toEqual([expect.objectContaining({ agentId: "a", service: "", since: 5, summary: "A is unreachable: unavailable: gone" })]);
    expect([...r.held]).toEqual(["c"]);
  });

  it("service-failed: each failed service of an up machine, only the rule's service if it names one; a down machine's are held", () => {
    const ms = [machine("a", { services: [svc("web", "failed"), svc("db", "running"), svc("api", "failed")] }), machine("b", { reach: "down", services: [svc("web", "failed")] })];
    expect(evaluateRule(rule("service-failed"), ms, ctx()).active.map((c) => c.service)).toEqual(["web", "api"]);
    const only = evaluateRule(rule("service-failed", { service: "api" }), ms, ctx());
    expect(only.active.map((c) => c.service)).toEqual(["api"]);
    expect([...only.held]).toEqual(["b"]);
  });

  it("a label selector narrows every rule to matching machines", () => {
    const ms = [machine("a", { reach: "down", labels: { env: "prod" } }), machine("b", { reach: "down", labels: { env: "dev" } })];
    expect(evaluateRule(rule("machine-down", { selector: "env=prod" }), ms, ctx()).active.map((c) => c.agentId)).toEqual(["a"]);
  });

  it("service-restarts: more than N restarts within the window, counted from what was seen", () => {
    const w = new RestartWindow();
    for (const [t, n] of [[0, 2], [60_000, 3], [120_000, 5], [180_000, 7]] as const) w.observe("a", "web", n, t);
    const ms = [machine("a", { services: [svc("web", "running", 7)] })];
    // The window (the last 2.5 minutes) starts at 30 000; the count last seen by then was 2: 7 - 2 = 5.
    expect(evaluateRule(rule("service-restarts", { restarts: 3, windowMinutes: 2.5 }), ms, ctx(180_000, w)).active).toEqual([expect.objectContaining({ service: "web", value: 5 })]);
    expect(evaluateRule(rule("service-restarts", { restarts: 5, windowMinutes: 2.5 }), ms, ctx(180_000, w)).active).toEqual([]);
    // A minute later the window starts at 90 000, where the count was 3: 7 - 3 = 4.
    expect(w.restartsWithin("a", "web", 150_000, 240_000)).toBe(4);
    // A counter that went back starts over.
    w.observe("a", "web", 0, 190_000);
    expect(w.restartsWithin("a", "web", 600_000, 190_000)).toBe(0);
  });

  it("certificate-expiring: within the rule's days, and already expired", () => {
    const day = 86_400_000;
    const exp = new Map([["a", 10 * day], ["b", 30 * day], ["c", -1]]);
    const r = evaluateRule(rule("certificate-expiring", { days: 14 }), [machine("a"), machine("b"), machine("c")], ctx(0, new RestartWindow(), exp));
    expect(r.active.map((c) => c.agentId)).toEqual(["a", "c"]);
    expect(r.active[1]!.summary).toContain("it has expired");
  });

  it("unsandboxed: a machine running services without a sandbox", () => {
    const info = { ...machine("x").info!, sandboxed: false, isolationDetail: "SYSWARD_SANDBOX=off" };
    const ms = [machine("a", { info, services: [svc("web", "running")] }), machine("b", { info }), machine("c", { services: [svc("web", "running")] })];
    expect(evaluateRule(rule("unsandboxed"), ms, ctx()).active).toEqual([expect.objectContaining({ agentId: "a", summary: expect.stringContaining("SYSWARD_SANDBOX=off") })]);
  });

  it("threshold rules: machine metrics, a mount's disk use, per-service RSS; no sample yet is held", () => {
    const ms = [machine("a"), machine("b", { perf: null })];
    expect(evaluateRule(rule("threshold", { metric: "cpu", threshold: 40 }), ms, ctx()).active.map((c) => c.value)).toEqual([50]);
    expect(evaluateRule(rule("threshold", { metric: "cpu", threshold: 50 }), ms, ctx()).active).toEqual([]);
    expect(evaluateRule(rule("threshold", { metric: "disk", threshold: 90 }), ms, ctx()).active).toEqual([expect.objectContaining({ service: "/", value: 91 })]);
    expect(evaluateRule(rule("threshold", { metric: "disk", threshold: 90, mount: "/data" }), ms, ctx()).active).toEqual([]);
    const rss = evaluateRule(rule("threshold", { metric: "service-rss", threshold: 256 * 1024 * 1024 }), ms, ctx());
    expect(rss.active).toEqual([expect.objectContaining({ service: "web", summary: "web on A: RSS 300 MiB (above 256 MiB)" })]);
    expect([...rss.held]).toEqual(["b"]);
  });
});
