import { describe, expect, it } from "vitest";
import type { ProcessInfo } from "./process-tree";
import { serviceUsage, type TreeReading } from "./service-usage";

const HZ = 100;
const proc = (pid: number, cpuTicks: number, startTicks = 0, rssBytes = 4096): ProcessInfo => ({ pid, ppid: 1, startTicks, cpuTicks, rssBytes });
const reading = (uptimeSeconds: number, services: Record<string, ProcessInfo[]>): TreeReading => ({
  uptimeSeconds,
  processes: new Map(Object.entries(services)),
});

describe("serviceUsage", () => {
  it("gives CPU % of one core from per-process tick deltas, RSS and count summed over the tree", () => {
    const prev = reading(100, { web: [proc(10, 1000), proc(11, 500)] });
    const cur = reading(102, { web: [proc(10, 1150), proc(11, 550, 0, 8192)] }); // 200 ticks over 2 s
    expect(serviceUsage(prev, cur, HZ)).toEqual([{ name: "web", accounting: "process-tree", cpuPercent: 100, rssBytes: 4096 + 8192, processCount: 2 }]);
  });

  it("counts more than one core as more than 100 %", () => {
    const out = serviceUsage(reading(10, { a: [proc(1, 0)] }), reading(11, { a: [proc(1, 180)] }), HZ);
    expect(out[0]!.cpuPercent).toBeCloseTo(180);
  });

  it("does not go negative when a child exits, and counts a child born in the interval in full", () => {
    const prev = reading(50, { svc: [proc(1, 100), proc(2, 900)] }); // pid 2 will exit
    const cur = reading(51, { svc: [proc(1, 110), proc(3, 40, 50.5 * HZ)] }); // pid 3 started at uptime 50.5 s
    expect(serviceUsage(prev, cur, HZ)[0]!.cpuPercent).toBeCloseTo(50);
  });

  it("treats a reused pid as a new process, and does not charge the past of a process it just saw", () => {
    const prev = reading(50, { svc: [proc(7, 5000, 100)] });
    // pid 7 again, but started later (reused, born before the previous reading: not counted);
    // pid 8 existed long before this service's roots were known: its history is not this interval's.
    const cur = reading(51, { svc: [proc(7, 20, 200), proc(8, 7000, 300)] });
    expect(serviceUsage(prev, cur, HZ)[0]!.cpuPercent).toBe(0);
  });

  it("lists services by name, with zero for an empty tree and without a previous reading", () => {
    const out = serviceUsage(undefined, reading(5, { b: [proc(1, 10)], a: [] }), HZ);
    expect(out).toEqual([
      { name: "a", accounting: "process-tree", cpuPercent: 0, rssBytes: 0, processCount: 0 },
      { name: "b", accounting: "process-tree", cpuPercent: 0, rssBytes: 4096, processCount: 1 },
    ]);
  });
});
