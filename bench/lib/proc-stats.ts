// CPU time and memory of processes, read from /proc: what `ps` and `top` show, without them.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { clockTicksPerSecond } from "../../apps/agent/src/perf/host-constants";
import { listProcesses, readProcStat } from "../../apps/agent/src/runtime/proc-stat";

/** CPU seconds used so far by the process (not its children). */
export function cpuSeconds(pid: number): number {
  const s = readProcStat(pid);
  if (!s) throw new Error(`process ${pid} is gone`);
  return s.cpuTicks / clockTicksPerSecond();
}

export interface MemoryNow {
  /** VmRSS, bytes. */
  rss: number;
  /** VmHWM: the peak RSS since start or since resetPeakRss(), bytes. */
  peakRss: number;
  /** The anonymous part of rss (heaps, stacks): the process's own memory, bytes. */
  rssAnon: number;
  /** The file-backed part of rss (the node binary, shared libraries): shared with other processes of the same files, bytes. */
  rssFile: number;
}

export function memory(pid: number): MemoryNow | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kib("VmRSS"), peakRss: kib("VmHWM"), rssAnon: kib("RssAnon"), rssFile: kib("RssFile") };
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0, "5" to clear_refs), so a peak can be measured per run. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** `pid` and every process below it. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const p of listProcesses()) {
    const list = children.get(p.ppid) ?? [];
    list.push(p.pid);
    children.set(p.ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** Processes whose environment holds `needle` (e.g. services a benchmark agent started). */
export function processesWithEnv(needle: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`).includes(needle)) out.push(Number(entry));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

export interface RssSeries {
  /** Sampled VmRSS, bytes, one per tick. */
  samples: number[];
  max: number;
}

/**
 * Samples the RSS of some processes every `intervalMs` until stopped. `pids()` is called per
 * tick (a tree can grow); their RSS is summed.
 */
export function sampleRss(pids: () => number[], intervalMs = 100): { stop(): RssSeries } {
  const samples: number[] = [];
  const tick = () => {
    let sum = 0;
    for (const p of pids()) sum += memory(p)?.rss || 0;
    samples.push(sum);
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { samples, max: Math.max(...samples) };
    },
  };
}

export function loadAverage(): [number, number, number] {
  const [a, b, c] = readFileSync("/proc/loadavg", "utf8").split(" ").map(Number);
  return [a!, b!, c!];
}

export interface WindowUsage {
  seconds: number;
  /** CPU % of one core over the window, per process. */
  cpuPct: Record<string, number>;
  /** VmRSS sampled each second, per process. */
  rss: Record<string, number[]>;
}

/** CPU and RSS of some processes over the same `seconds`, RSS sampled once a second. */
export async function observeWindow(pids: Record<string, number>, seconds: number): Promise<WindowUsage> {
  const names = Object.keys(pids);
  const cpu0 = Object.fromEntries(names.map((n) => [n, cpuSeconds(pids[n]!)]));
  const rss = Object.fromEntries(names.map((n) => [n, [] as number[]]));
  const t0 = performance.now();
  for (let s = 1; s <= seconds; s++) {
    for (const n of names) rss[n]!.push(memory(pids[n]!)?.rss ?? NaN);
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + s * 1000 - performance.now())));
  }
  const wall = (performance.now() - t0) / 1000;
  return { seconds: wall, cpuPct: Object.fromEntries(names.map((n) => [n, ((cpuSeconds(pids[n]!) - cpu0[n]!) / wall) * 100])), rss };
}
