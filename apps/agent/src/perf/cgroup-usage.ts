// Per-service figures from the service's own cgroup (systemd units): exact where a process tree
// is not — CPU of children that exited between samples is in cpu.stat, and page cache charged to
// the service is in memory.current. Read where the runtime names a cgroup on the unified (v2)
// hierarchy, which has cpu.stat even when the memory controller is elsewhere (hybrid hosts): then
// memory still comes from the process tree. A service with no such cgroup is counted by its tree.
import { readProcText } from "./proc-reader";
import { countProcs, parseCounter, parseCpuUsageUsec, parseIoBytes, parseResidentBytes } from "./cgroup-parsers";
import type { ServiceUsage } from "./service-usage";

export interface CgroupReading {
  cpuUsageUsec: number;
  /** Absent without the v2 memory controller (hybrid hosts keep it on cgroup v1). */
  memory?: CgroupMemory;
  /** Absent without the io controller (a user manager does not get it delegated by default). */
  io?: { readBytes: number; writtenBytes: number };
  processCount: number;
}

export interface CgroupMemory {
  memoryBytes: number;
  /** Absent before kernel 5.19. */
  peakBytes?: number;
  rssBytes: number;
}

/** One reading of a cgroup v2 directory; undefined when it is gone or has no CPU figures. */
export function readCgroup(dir: string): CgroupReading | undefined {
  const cpu = read(dir, "cpu.stat", parseCpuUsageUsec);
  const procs = readProcText(`${dir}/cgroup.procs`);
  if (cpu === undefined || procs === undefined) return undefined;
  const memoryBytes = read(dir, "memory.current", parseCounter);
  const rssBytes = read(dir, "memory.stat", parseResidentBytes);
  const peakBytes = read(dir, "memory.peak", parseCounter);
  const io = read(dir, "io.stat", parseIoBytes);
  return {
    cpuUsageUsec: cpu,
    processCount: countProcs(procs),
    ...(memoryBytes !== undefined && rssBytes !== undefined && { memory: { memoryBytes, rssBytes, ...(peakBytes !== undefined && { peakBytes }) } }),
    ...(io !== undefined && { io }),
  };
}

/** Each service's readings of its cgroup; services whose cgroup cannot be read are left out. */
export function readCgroups(dirs: ReadonlyMap<string, string>): Map<string, CgroupReading> {
  const out = new Map<string, CgroupReading>();
  for (const [name, dir] of dirs) {
    const r = readCgroup(dir);
    if (r) out.set(name, r);
  }
  return out;
}

/**
 * Pure: two readings `elapsedMs` apart → the service's usage; `treeRssBytes`, its tree's resident
 * memory, where the cgroup has no memory figures. Without a previous reading (the service just
 * started, or its cgroup is new) its rates are 0, as for a tree seen once.
 */
export function cgroupUsage(name: string, prev: CgroupReading | undefined, cur: CgroupReading, elapsedMs: number, treeRssBytes = 0): ServiceUsage {
  const seconds = elapsedMs / 1000;
  // A cgroup made again (service restarted by systemd) starts its counters afresh: no negative rates.
  const rate = (before: number | undefined, now: number) => (before !== undefined && seconds > 0 ? Math.max(0, now - before) / seconds : 0);
  return {
    name,
    accounting: "cgroup",
    cpuPercent: rate(prev?.cpuUsageUsec, cur.cpuUsageUsec) / 1e4,
    rssBytes: cur.memory?.rssBytes ?? treeRssBytes,
    processCount: cur.processCount,
    ...(cur.memory && { memoryBytes: cur.memory.memoryBytes }),
    ...(cur.memory?.peakBytes !== undefined && { memoryPeakBytes: cur.memory.peakBytes }),
    ...(cur.io && {
      io: {
        readBytesTotal: cur.io.readBytes,
        writtenBytesTotal: cur.io.writtenBytes,
        readBytesPerSecond: rate(prev?.io?.readBytes, cur.io.readBytes),
        writtenBytesPerSecond: rate(prev?.io?.writtenBytes, cur.io.writtenBytes),
      },
    }),
  };
}

function read<T>(dir: string, file: string, parse: (text: string) => T | undefined): T | undefined {
  const text = readProcText(`${dir}/${file}`);
  return text === undefined ? undefined : parse(text);
}
