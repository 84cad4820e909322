import { readdirSync, readFileSync } from "node:fs";

// Identity and grouping of processes from /proc/PID/stat. A pid alone is not an identity
// (pids are reused), pid + start time (field 22, clock ticks since boot) is.

export interface ProcStat {
  pid: number;
  /** One letter: R, S, D, Z (zombie), X (dead), T, t, I... */
  state: string;
  ppid: number;
  pgrp: number;
  /** Field 22, kept as a string: it is compared, never computed with. */
  startTime: string;
}

/** Parses the text of /proc/PID/stat. comm (field 2) may hold spaces and ')' so split after the last ')'. */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`unexpected /proc stat line: ${text.slice(0, 80)}`);
  const rest = text.slice(close + 2).trim().split(" ");
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const startTime = rest[19];
  if (rest.length < 20 || startTime === undefined) throw new Error(`short /proc stat line: ${text.slice(0, 80)}`);
  return {
    pid: Number(text.slice(0, open).trim()),
    state: rest[0] ?? "?",
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    startTime,
  };
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined; // gone (ENOENT/ESRCH) or raced with exit
  }
}

function isDead(stat: ProcStat): boolean {
  // Zombies count as dead: our PID 1 may never reap orphans, and a zombie runs nothing.
  return stat.state === "Z" || stat.state === "X";
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
