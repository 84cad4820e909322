// What a process holds, read from /proc: open file descriptors and resident memory.
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Open fds, leaving out files under /proc: the perf collector keeps the /proc files it reads every
 * second open (perf/proc-reader.ts), and those follow the machine's processes, not what a test does.
 */
export function fdCount(pid: number): number {
  return fdTargets(pid).length;
}

/** What each fd points at ("socket:[123]", "/path/file", "anon_inode:[eventfd]"), for leak reports; /proc files left out. */
export function fdTargets(pid: number): string[] {
  const out: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (!target.startsWith("/proc/")) out.push(target);
    } catch {
      // closed between readdir and readlink
    }
  }
  return out.sort();
}

export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/**
 * Polls the fd count until it is at most `target` (it settles as sockets close), or returns the
 * last count after `timeoutMs`; the caller asserts on it.
 */
export async function settledFdCount(pid: number, target: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = fdCount(pid);
  while (n > target && Date.now() < deadline) {
    await sleep(100);
    n = fdCount(pid);
  }
  return n;
}
