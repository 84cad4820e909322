// Facts about this machine the specs check directly, beside what the console says.
import { readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export { processAlive } from "../../apps/agent/src/runtime/proc-stat";

/** A TCP port free right now on 127.0.0.1, for a service under test to listen on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => (addr && typeof addr === "object" ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** Every path under `dir` whose last segment is `name` (directories included). */
export function findByName(dir: string, name: string): string[] {
  const found: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    // Another spec's install may remove a directory while we walk.
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return found;
    throw err;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.name === name) found.push(path);
    if (entry.isDirectory()) found.push(...findByName(path, name));
  }
  return found;
}

/** GET http://127.0.0.1:port/ → the body, or null while nothing answers. */
export async function answerOn(port: number): Promise<string | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) });
    return await res.text();
  } catch {
    return null;
  }
}
