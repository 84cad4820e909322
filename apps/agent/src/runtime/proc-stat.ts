import { readdirSync } from "node:fs";
import { parsePidStat, type PidStat } from "../perf/proc-parsers";
import { readProcText } from "../perf/proc-reader";

// Identity and grouping of processes from /proc/PID/stat (parsed by perf/proc-parsers.ts, the one
// parser of that file; the agent's lock, the benchmarks, the soak and the e2e specs read it here
// too). A pid alone is not an identity (pids are reused); pid + start time
// (field 22, clock ticks since boot) is.

export interface ProcStat extends PidStat {
  /** Field 22 (= startTicks) as a string: how pid files store it; it is compared, never computed with. */
  startTime: string;
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    const text = readProcText(`/proc/${pid}/stat`);
    if (text === undefined) return undefined;
    const stat = parsePidStat(text);
    return { ...stat, startTime: String(stat.startTicks) };
  } catch {
    return undefined; // raced with exit (ESRCH, a torn line), or not a process at all
  }
}

function isDead(stat: ProcStat): boolean {
  // Zombies count as dead: our PID 1 may never reap orphans, and a zombie runs nothing.
  return stat.state === "Z" || stat.state === "X";
}

/** True while `pid` exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && !isDead(stat);
}

/** True if `pid` runs and is the very process that had `startTime` (not a reused pid). */
export function isSameLiveProcess(pid: number, startTime: string): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.startTime === startTime && !isDead(stat);
}

/** Every live (non-zombie) process of the system, read from /proc. Used off the hot path only. */
export function listProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const entry of readdirSync("/proc")) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    const stat = readProcStat(Number(entry));
    if (stat && !isDead(stat)) out.push(stat);
  }
  return out;
}

/** Whether any live process still belongs to process group `pgid`. */
export function processGroupAlive(pgid: number): boolean {
  return listProcesses().some((p) => p.pgrp === pgid);
}

/**
 * Signals the process group led (once) by `pgid`, unless that number now names another process:
 * the kernel keeps a group id reserved while any member lives, so a different process with
 * pid == pgid means our group is gone and the id was reused. Returns whether a signal was sent.
 */
export function signalProcessGroup(pgid: number, leaderStartTime: string, signal: NodeJS.Signals): boolean {
  const leader = readProcStat(pgid);
  if (leader && leader.startTime !== leaderStartTime) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw err;
  }
}
