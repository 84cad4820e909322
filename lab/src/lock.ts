// A lock between processes on one host: a directory made with mkdir (atomic), holding the owner's
// pid. A lock whose owner is gone (a killed run) is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { processAlive } from "./processes";

export async function withLock<T>(dir: string, fn: () => Promise<T>, timeoutMs = 20 * 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, "pid"), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = Number(readOr(join(dir, "pid")));
      if (owner && !processAlive(owner)) rmSync(dir, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`lab: ${dir} is still held by pid ${owner} after ${timeoutMs} ms`);
      else await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readOr(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
