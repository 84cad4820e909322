import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cgroupUsage, readCgroup, readCgroups } from "./cgroup-usage";

// A directory laid out like a unit's cgroup; the real one is read in the lab (cgroup-accounting.lab.test.ts).
const root = mkdtempSync(join(tmpdir(), "sysward-cgroup-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function cgroup(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const full = {
  "cpu.stat": "usage_usec 2000000\nuser_usec 1500000\n",
  "memory.current": "8388608\n",
  "memory.peak": "16777216\n",
  "memory.stat": "anon 4194304\nfile 2097152\nfile_mapped 1048576\n",
  "io.stat": "8:0 rbytes=1000 wbytes=3000 rios=1 wios=1 dbytes=0 dios=0\n",
  "cgroup.procs": "41\n42\n",
};

describe("a service's cgroup", () => {
  it("is read whole, with memory.peak and io.stat where the kernel and controllers have them", () => {
    expect(readCgroup(cgroup("full", full))).toEqual({
      cpuUsageUsec: 2_000_000,
      memory: { memoryBytes: 8388608, peakBytes: 16777216, rssBytes: 4194304 + 1048576 },
      io: { readBytes: 1000, writtenBytes: 3000 },
      processCount: 2,
    });
    const { ["memory.peak"]: _peak, ["io.stat"]: _io, ...older } = full;
    expect(readCgroup(cgroup("older", older))).toEqual({ cpuUsageUsec: 2_000_000, memory: { memoryBytes: 8388608, rssBytes: 5242880 }, processCount: 2 });
    // A hybrid host: the unified hierarchy has CPU, the memory controller is on v1.
    const { ["memory.current"]: _m, ["memory.stat"]: _s, ...hybrid } = full;
    expect(readCgroup(cgroup("hybrid", hybrid))).toEqual({ cpuUsageUsec: 2_000_000, io: { readBytes: 1000, writtenBytes: 3000 }, processCount: 2 });
  });

  it("is not used without CPU figures, nor once gone: the tree counts it then", () => {
    const { ["cpu.stat"]: _c, ...noCpu } = full;
    expect(readCgroup(cgroup("nocpu", noCpu))).toBeUndefined();
    expect(readCgroup(join(root, "never-made"))).toBeUndefined();
    const dirs = new Map([["web", cgroup("web", full)], ["gone", join(root, "gone")]]);
    expect([...readCgroups(dirs).keys()]).toEqual(["web"]);
  });

  it("gives CPU % of one core and I/O rates from two readings; none from a first or a reset one", () => {
    const a = readCgroup(cgroup("a", full))!;
    const b = readCgroup(cgroup("b", { ...full, "cpu.stat": "usage_usec 3500000\n", "io.stat": "8:0 rbytes=5000 wbytes=3000\n" }))!;
    const u = cgroupUsage("web", a, b, 2000);
    expect(u).toMatchObject({ name: "web", accounting: "cgroup", processCount: 2, rssBytes: 5242880, memoryBytes: 8388608, memoryPeakBytes: 16777216 });
    expect(u.cpuPercent).toBeCloseTo(75, 6); // 1.5 s of CPU over 2 s
    expect(u.io).toEqual({ readBytesTotal: 5000, writtenBytesTotal: 3000, readBytesPerSecond: 2000, writtenBytesPerSecond: 0 });
    expect(cgroupUsage("web", undefined, b, 2000)).toMatchObject({ cpuPercent: 0, io: { readBytesPerSecond: 0 } });
    // The unit restarted: a new cgroup, counters from zero.
    expect(cgroupUsage("web", b, a, 2000)).toMatchObject({ cpuPercent: 0, io: { readBytesPerSecond: 0, writtenBytesPerSecond: 0 } });
    // No memory figures in the cgroup: RSS is the tree's, and there is no charged memory.
    const hybrid = { ...b, memory: undefined };
    const h = cgroupUsage("web", a, hybrid, 2000, 12345);
    expect(h).toMatchObject({ accounting: "cgroup", rssBytes: 12345 });
    expect(h.memoryBytes).toBeUndefined();
  });
});
