import { DomainError } from "../domain-error";
import type { PerfSample } from "@sysward/proto";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PerfCollector } from "./perf-collector";
import { waitFor } from "../runtime/testing/wait-for";

describe("PerfCollector", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  function collector(opts: Partial<ConstructorParameters<typeof PerfCollector>[0]> = {}) {
    const c = new PerfCollector({ intervalMs: 50, servicePids: () => new Map(), ...opts });
    cleanups.push(() => c.stop());
    return c;
  }
  function spawnTree(script: string): ChildProcess {
    const child = spawn("sh", ["-c", script], { detached: true, stdio: "ignore" });
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    });
    return child;
  }

  it("has no sample before start, then a full one as soon as start resolves", async () => {
    const c = collector({ intervalMs: 60_000 }); // only the start-up sample in this test
    expect(() => c.latest()).toThrow(DomainError);
    try {
      c.latest();
    } catch (err) {
      expect((err as DomainError).kind).toBe("unavailable");
    }
    await c.start();
    const s = c.latest();
    expect(s.intervalMs).toBeGreaterThanOrEqual(100);
    expect(s.cores.map((x) => x.id)).toEqual(os.cpus().map((_, i) => `cpu${i}`));
    const cpu = s.cpu!;
    const states = cpu.userPercent + cpu.nicePercent + cpu.systemPercent + cpu.idlePercent + cpu.iowaitPercent + cpu.irqPercent + cpu.softirqPercent + cpu.stealPercent;
    expect(states).toBeCloseTo(100, 6);
    expect(s.memory!.totalBytes).toBe(BigInt(os.totalmem()));
    expect(s.memory!.usedPercent).toBeGreaterThan(0);
    expect(s.memory!.usedPercent).toBeLessThan(100);
    expect(Math.abs(Number(s.time!.seconds) * 1000 - Date.now())).toBeLessThan(5000);
    expect(c.stats().samplesTaken).toBe(1);
  });

  it("publishes each sample as one frozen object: readers keep what they hold, new readers get the new one", async () => {
    const c = collector();
    await c.start();
    const first = c.latest();
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.cpu)).toBe(true);
    expect(Object.isFrozen(first.cores)).toBe(true);
    expect(() => {
      (first.cpu as { busyPercent: number }).busyPercent = 1234;
    }).toThrow(TypeError);
    const next = await waitFor(() => (c.latest() !== first ? c.latest() : undefined), "a newer sample");
    expect(next.time!.seconds * 1_000_000_000n + BigInt(next.time!.nanos)).toBeGreaterThan(first.time!.seconds * 1_000_000_000n + BigInt(first.time!.nanos));
    expect(first.cpu!.busyPercent).not.toBe(1234);
  });

  it("notifies subscribers and the history sink with every sample, and ends subscriptions on stop", async () => {
    const recorded: PerfSample[] = [];
    const c = collector({ history: { record: (s) => recorded.push(s) } });
    await c.start();
    const got: PerfSample[] = [];
    let stopped = 0;
    const unsubscribe = c.subscribe((s) => got.push(s), () => stopped++);
    c.subscribe(() => {
      throw new Error("a broken subscriber");
    });
    expect(c.stats().watchers).toBe(2);
    await waitFor(() => got.length >= 3, "three samples");
    expect(got.every((s) => recorded.includes(s))).toBe(true);
    expect(got.at(-1)).toBe(c.latest());
    expect(c.stats().errors).toBeGreaterThanOrEqual(3); // the broken subscriber, reported each time, did not stop anything
    expect(c.stats().lastError).toMatch(/subscriber: a broken subscriber/);

    unsubscribe();
    expect(c.stats().watchers).toBe(1);
    await c.stop();
    expect(stopped).toBe(0); // unsubscribed before the stop
    expect(c.stats().watchers).toBe(0);
    const taken = c.stats().samplesTaken;
    await new Promise((r) => setTimeout(r, 200)); // four intervals: none may come
    expect(c.stats().samplesTaken).toBe(taken);
    expect(() => c.latest()).not.toThrow(); // the last sample stays readable
    let lateStop = 0;
    c.subscribe(() => {}, () => lateStop++);
    expect(lateStop).toBe(1);
    await expect(c.start()).rejects.toThrow(/stopped/);
  });

  it("reports each service's process tree: count, RSS and CPU of a busy child", async () => {
    // A shell with a sleeping child and a child that spins for at most 3 s.
    const tree = spawnTree("sleep 30 & timeout 3 sh -c 'while :; do :; done' & wait");
    const c = collector({ servicePids: () => new Map([["busy", [tree.pid!]], ["idle", []]]) });
    await c.start();
    const s = await waitFor(() => {
      const svc = c.latest().services.find((x) => x.name === "busy");
      // sh + sleep + timeout + the spinning sh
      return svc && svc.processCount === 4 && svc.cpuPercent > 50 ? c.latest() : undefined;
    }, "the busy service near one full core");
    expect(s.services.map((x) => x.name)).toEqual(["busy", "idle"]);
    const busy = s.services[0]!;
    expect(busy.rssBytes).toBeGreaterThan(4n * 4096n);
    expect(busy.cpuPercent).toBeLessThan(150); // one spinning process cannot use two cores
    expect(s.services[1]).toMatchObject({ name: "idle", processCount: 0, cpuPercent: 0, rssBytes: 0n });
  });

  it("fails start() with a clear error when /proc cannot be read", async () => {
    const c = collector({ procRoot: "/nonexistent-proc" });
    await expect(c.start()).rejects.toThrow(/nonexistent-proc\/stat does not exist/);
  });

  it("rejects an interval it cannot honour", () => {
    expect(() => new PerfCollector({ intervalMs: 0, servicePids: () => new Map() })).toThrow(/at least 10 ms/);
  });

  it("publishes no sample from a window in which no clock tick elapsed, then covers both windows", async () => {
    // A /proc-shaped dir whose stat counters we control.
    const proc = mkdtempSync(join(os.tmpdir(), "sysward-proc-"));
    cleanups.push(() => rmSync(proc, { recursive: true, force: true }));
    const data = join(__dirname, "testdata");
    for (const f of ["meminfo", "loadavg", "uptime"]) copyFileSync(join(data, `proc-${f}.txt`), join(proc, f));
    const stat = (user: number, idle: number) => `cpu  ${user} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 ${user} 0 0 ${idle} 0 0 0 0 0 0\n`;
    writeFileSync(join(proc, "stat"), stat(100, 100));
    const c = collector({ procRoot: proc, intervalMs: 50, warmupMs: 10 });
    const start = c.start();
    await new Promise((r) => setTimeout(r, 0));
    writeFileSync(join(proc, "stat"), stat(150, 150)); // one window of 50 % busy for the start-up sample
    await start;
    expect(c.latest().cpu?.userPercent).toBe(50);
    const seen: PerfSample[] = [];
    c.subscribe((s) => seen.push(s));
    // Counters frozen: ticks run, but none may publish an all-zero sample.
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([]);
    writeFileSync(join(proc, "stat"), stat(150, 250)); // idle since: 0 % busy over the covered windows
    const next = await waitFor(() => seen[0], "a sample after the counters move");
    expect(next.cpu?.idlePercent).toBe(100);
  });
});
