// Pure: two process-tree readings → each service's CPU % (of one core), RSS and process count.
import type { ProcessInfo } from "./process-tree";

export interface TreeReading {
  /** Service name → its processes (see ProcessTreeReader.read). */
  processes: ReadonlyMap<string, readonly ProcessInfo[]>;
  /** Seconds since boot when read (/proc/uptime: the clock of ProcessInfo.startTicks). */
  uptimeSeconds: number;
}

export interface ServiceUsage {
  name: string;
  /** Where the figures come from (cgroup-usage.ts for "cgroup"). */
  accounting: "process-tree" | "cgroup";
  /** Of one core: 200 means two cores fully busy. */
  cpuPercent: number;
  /** Tree: summed; pages shared between its processes count once per process, as in ps. Cgroup: each page once. */
  rssBytes: number;
  processCount: number;
  /** Cgroup only: memory charged to it, page cache included; the most ever charged. */
  memoryBytes?: number;
  memoryPeakBytes?: number;
  /** Cgroup only, with the io controller. */
  io?: { readBytesTotal: number; writtenBytesTotal: number; readBytesPerSecond: number; writtenBytesPerSecond: number };
}

/**
 * CPU time is taken per process (pid + start time, so a reused pid is a new process), never as
 * a difference of tree totals: a child that exits would otherwise make the total drop. What a
 * process used in the part of an interval before it exited is lost, as in top.
 */
export function serviceUsage(prev: TreeReading | undefined, cur: TreeReading, clockTicks: number): ServiceUsage[] {
  const before = new Map<string, number>();
  if (prev) for (const list of prev.processes.values()) for (const p of list) before.set(key(p), p.cpuTicks);
  const elapsed = prev ? cur.uptimeSeconds - prev.uptimeSeconds : 0;
  const out: ServiceUsage[] = [];
  for (const [name, list] of cur.processes) {
    let ticks = 0;
    let rss = 0;
    for (const p of list) {
      rss += p.rssBytes;
      if (!prev) continue;
      const old = before.get(key(p));
      if (old !== undefined) ticks += Math.max(0, p.cpuTicks - old);
      // Born during the interval: all of its time is in it. Older but unseen (a root pid the
      // runtime just handed over): its past is not ours to count.
      else if (p.startTicks / clockTicks >= prev.uptimeSeconds) ticks += p.cpuTicks;
    }
    const cpuPercent = elapsed > 0 ? (ticks / clockTicks / elapsed) * 100 : 0;
    out.push({ name, accounting: "process-tree", cpuPercent, rssBytes: rss, processCount: list.length });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const key = (p: ProcessInfo) => `${p.pid}:${p.startTicks}`;
