import { readFileSync } from "node:fs";

// Which boot of the machine this is. Pid files are only meaningful within one boot: pids and
// start times (ticks since boot) start over, and an early-boot service can get the very same
// pid + start time again.

let cached: string | undefined;

/** The kernel's random boot id, or "" where /proc does not offer it (then every record counts as this boot's). */
export function currentBootId(): string {
  if (cached === undefined) {
    try {
      cached = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      cached = "";
    }
  }
  return cached;
}

/** Whether a record written under `bootId` (absent in records of older agents) is from this boot. */
export function isThisBoot(bootId: string | undefined): boolean {
  return !bootId || !currentBootId() || bootId === currentBootId();
}
