// USER_HZ (the unit of /proc CPU times) and the page size (the unit of /proc/PID/stat rss).
// Node exposes neither, so ask getconf once; the fallbacks are the values of every mainstream
// x86_64 kernel (arm64 kernels with 64 KiB pages are why it is asked rather than assumed).
import { execFileSync } from "node:child_process";

function getconf(name: string, fallback: number): number {
  try {
    const n = Number(execFileSync("getconf", [name], { encoding: "utf8", timeout: 2000 }).trim());
    return Number.isInteger(n) && n > 0 ? n : fallback;
  } catch {
    return fallback;
  }
}

let clockTicks: number | undefined;
let pageSize: number | undefined;

export function clockTicksPerSecond(): number {
  clockTicks ??= getconf("CLK_TCK", 100);
  return clockTicks;
}

export function pageSizeBytes(): number {
  pageSize ??= getconf("PAGESIZE", 4096);
  return pageSize;
}
