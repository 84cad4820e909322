// The processes of each service: its root pids (from the runtime) and all their descendants,
// with CPU ticks and RSS. Shared by both runtimes: it only needs pids.
//
// Cost matters: this runs every second. Two ways to find descendants:
//  - "children": walk down from the roots through /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN,
//    which most distribution kernels have: CHECKPOINT_RESTORE selects it). Touches only the
//    services' own processes: about 2 + threads reads per process, however busy the machine is.
//  - "scan": read /proc/PID/stat of every process on the machine and link them by ppid (what ps
//    and top do). ~9 µs per process; the fallback where the kernel lacks the children files.
// Either way nothing is read when no service has a pid. For comparison, node_exporter reads ~30
// /proc and /sys files per scrape and scans no processes at all by default.
import fs from "node:fs";
import { pageSizeBytes } from "./host-constants";
import { parseChildren, parsePidStat, type PidStat } from "./proc-parsers";
import { readProcDir, readProcText } from "./proc-reader";

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** With pid, identifies the process across pid reuse. */
  startTicks: number;
  /** utime + stime, USER_HZ ticks. */
  cpuTicks: number;
  rssBytes: number;
}

export type TreeStrategy = "children" | "scan";

export interface ProcessTreeOptions {
  /** Default "/proc"; tests point it at a directory laid out like /proc. */
  procRoot?: string;
  /** Default "auto": "children" when this kernel has the children files, else "scan". */
  strategy?: "auto" | TreeStrategy;
  /** Default: the host's page size. */
  pageSize?: number;
}

export class ProcessTreeReader {
  readonly strategy: TreeStrategy;
  readonly #procRoot: string;
  readonly #pageSize: number;

  constructor(opts: ProcessTreeOptions = {}) {
    this.#procRoot = opts.procRoot ?? "/proc";
    this.#pageSize = opts.pageSize ?? pageSizeBytes();
    const wanted = opts.strategy ?? "auto";
    this.strategy = wanted === "auto" ? (hasChildrenFiles(this.#procRoot) ? "children" : "scan") : wanted;
  }

  /**
   * For each service, every live process of the trees under its root pids (roots included),
   * each pid once. Pids that no longer exist are left out; a service whose roots are all gone
   * maps to [].
   */
  read(roots: ReadonlyMap<string, readonly number[]>): Map<string, ProcessInfo[]> {
    const out = new Map<string, ProcessInfo[]>();
    let anyPid = false;
    for (const [name, pids] of roots) {
      out.set(name, []);
      if (pids.length > 0) anyPid = true;
    }
    if (!anyPid) return out;
    if (this.strategy === "children") {
      for (const [name, pids] of roots) out.set(name, this.#walk(pids));
    } else {
      const byParent = this.#scanAll();
      for (const [name, pids] of roots) out.set(name, collectTree(pids, byParent, this.#pageSize));
    }
    return out;
  }

  #stat(pid: number): PidStat | undefined {
    const text = readProcText(`${this.#procRoot}/${pid}/stat`, true);
    if (text === undefined) return undefined;
    try {
      return parsePidStat(text);
    } catch {
      return undefined; // torn read of an exiting process: skip it this round
    }
  }

  #walk(roots: readonly number[]): ProcessInfo[] {
    const seen = new Set<number>();
    const out: ProcessInfo[] = [];
    const queue = [...roots];
    while (queue.length > 0) {
      const pid = queue.pop()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      const st = this.#stat(pid);
      if (!st) continue;
      out.push(toInfo(st, this.#pageSize));
      // Children hang off the thread that forked them; a single-threaded process has one task.
      const tids = st.numThreads <= 1 ? [String(pid)] : readProcDir(`${this.#procRoot}/${pid}/task`);
      for (const tid of tids) {
        const text = readProcText(`${this.#procRoot}/${pid}/task/${tid}/children`, true);
        if (text !== undefined) for (const child of parseChildren(text)) if (!seen.has(child)) queue.push(child);
      }
    }
    return out;
  }

  #scanAll(): { stats: Map<number, PidStat>; children: Map<number, number[]> } {
    const stats = new Map<number, PidStat>();
    const children = new Map<number, number[]>();
    for (const entry of readProcDir(this.#procRoot)) {
      const c = entry.charCodeAt(0);
      if (c < 48 || c > 57) continue; // not a pid directory
      const st = this.#stat(Number(entry));
      if (!st) continue;
      stats.set(st.pid, st);
      const siblings = children.get(st.ppid);
      if (siblings) siblings.push(st.pid);
      else children.set(st.ppid, [st.pid]);
    }
    return { stats, children };
  }
}

function collectTree(
  roots: readonly number[],
  { stats, children }: { stats: Map<number, PidStat>; children: Map<number, number[]> },
  pageSize: number,
): ProcessInfo[] {
  const seen = new Set<number>();
  const out: ProcessInfo[] = [];
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const st = stats.get(pid);
    if (!st) continue;
    out.push(toInfo(st, pageSize));
    for (const child of children.get(pid) ?? []) queue.push(child);
  }
  return out;
}

function toInfo(st: PidStat, pageSize: number): ProcessInfo {
  return { pid: st.pid, ppid: st.ppid, startTicks: st.startTicks, cpuTicks: st.cpuTicks, rssBytes: st.rssPages * pageSize };
}

function hasChildrenFiles(procRoot: string): boolean {
  const self = procRoot === "/proc" ? String(process.pid) : firstPid(procRoot);
  if (self === undefined) return false;
  return fs.existsSync(`${procRoot}/${self}/task/${self}/children`);
}

function firstPid(procRoot: string): string | undefined {
  return readProcDir(procRoot).find((e) => /^\d+$/.test(e));
}
