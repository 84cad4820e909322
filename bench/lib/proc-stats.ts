// CPU time and memory of processes, read from /proc: what `ps` and `top` show, without them.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

let ticks: number | undefined;
/** USER_HZ: the unit of utime/stime in /proc/PID/stat. */
export function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

interface StatFields {
  ppid: number;
  /** utime + stime of the process (all its threads), seconds. */
  cpuSeconds: number;
}

function readStat(pid: number): StatFields | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields restart after the last ")".
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  return { ppid: Number(rest[1]), cpuSeconds: (Number(rest[11]) + Number(rest[12])) / clockTicks() };
}

/** CPU seconds used so far by the process (not its children). */
export function cpuSeconds(pid: number): number {
  const s = readStat(pid);
  if (!s) throw new Error(`process ${pid} is gone`);
  return s.cpuSeconds;
}

export interface MemoryNow {
  /** VmRSS, bytes. */
  rss: number;
  /** VmHWM: the peak RSS since start or since resetPeakRss(), bytes. */
  peakRss: number;
}

export function memory(pid: number): MemoryNow | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kib("VmRSS"), peakRss: kib("VmHWM") };
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
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const s = readStat(Number(entry));
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(Number(entry));
    children.set(s.ppid, list);
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
