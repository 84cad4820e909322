// Small numeric helpers for the soak report.
import { clockTicksPerSecond } from "../../apps/agent/src/perf/host-constants";
import { readProcStat } from "../../apps/agent/src/runtime/proc-stat";

/** User + system CPU time of a process so far, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readProcStat(pid);
  if (!stat) throw new Error(`process ${pid} is gone`);
  return stat.cpuTicks / clockTicksPerSecond();
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
