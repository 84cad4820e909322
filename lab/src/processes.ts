import { listProcesses } from "../../apps/agent/src/runtime/proc-stat";

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Direct children of `pid` (the container's init is systemd-nspawn's child). */
export function childrenOf(pid: number): number[] {
  return listProcesses()
    .filter((p) => p.ppid === pid)
    .map((p) => p.pid);
}
