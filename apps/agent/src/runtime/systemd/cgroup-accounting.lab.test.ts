import { ServiceAccounting, type ServicePerf } from "@sysward/proto";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PerfCollector } from "../../perf/perf-collector";
import { createTestServices, type TestServices } from "../testing/test-service";
import { waitFor } from "../testing/wait-for";
import { SystemdRuntime } from "./systemd-runtime";

// The perf collector on a real unit: figures come from the unit's own cgroup, in user units (the
// lab user's manager) and system units (root). Run inside a lab machine by lab/run-inner-suite.ts.
const detection = await SystemdRuntime.detect();
const mode = detection.mode ?? "user";
const baseDir = join(homedir(), ".cache", "sysward-cgroup-tests");

describe.skipIf(!detection.available)(`per-service accounting from a ${mode} unit's cgroup${detection.available ? "" : ` — skipped: ${detection.reason}`}`, () => {
  let services: TestServices;
  let rt: SystemdRuntime;
  let collector: PerfCollector;
  const name = `acct${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    services = await createTestServices({ baseDir });
    rt = new SystemdRuntime({ mode, hiddenPaths: [baseDir] });
    // Short-lived children that burn CPU and exit between samples: a process tree read each
    // second misses most of their time; the cgroup's cpu.stat has all of it.
    const body = ["while :; do", "  ( i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done )", "  sleep 0.05", "done"].join("\n");
    await rt.start(await services.write(name, body, rt.isolation.separateUsers ? { user: { uid: 60_095, gid: 60_095 } } : {}));
    await waitFor(async () => (await rt.inspect(name))?.state === "running", "the unit running", { timeoutMs: 20_000 });
    collector = new PerfCollector({ intervalMs: 300, servicePids: () => rt.pids(), serviceCgroups: () => rt.controlGroups() });
    await collector.start();
  }, 60_000);

  afterAll(async () => {
    await collector?.stop();
    await rt?.remove(name, { force: true }).catch(() => undefined);
    await rt?.close();
    await services?.cleanup();
  });

  const ours = () => collector.latest().services.find((s) => s.name === name);

  it("names the unit's cgroup, and the sample says its figures came from there", async () => {
    expect(rt.controlGroups().get(name)).toMatch(new RegExp(`^/sys/fs/cgroup/.*sysward-${name}\\.service$`));
    expect(existsSync(join(rt.controlGroups().get(name)!, "cpu.stat"))).toBe(true);
    const s = await waitFor(async () => ours(), "the service in a sample", { timeoutMs: 10_000 });
    expect(s.accounting).toBe(ServiceAccounting.CGROUP);
  });

  it("counts the CPU of children that exited between samples, and memory the cgroup is charged", async () => {
    const busy: ServicePerf = await waitFor(
      async () => {
        const s = ours();
        return s && s.cpuPercent > 20 ? s : undefined;
      },
      "CPU of the short-lived children",
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(busy.processCount).toBeGreaterThanOrEqual(1);
    expect(busy.rssBytes).toBeGreaterThan(0n);
    // Charged memory only where the memory controller is on the unified hierarchy (not on hybrid
    // hosts, as the lab's machines are when their host is): then RSS came from the tree.
    const v2Memory = existsSync(join(rt.controlGroups().get(name)!, "memory.current"));
    if (v2Memory) expect(busy.memoryBytes).toBeGreaterThanOrEqual(busy.rssBytes);
    else expect(busy.memoryBytes).toBeUndefined();
  });
});
