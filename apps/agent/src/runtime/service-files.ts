import { chmod, lchown, lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { ServiceSpec } from "./runtime";

// A service under its own uid (root agent) needs its files reachable as that uid: its state dir
// is its own; its version dir stays the agent's but the service's group may read it, so the
// service can read and run its files and change none. The agent's umask may be 077 (the shipped
// system unit), which leaves extracted files private to root until this runs. Each tree is
// walked once: the top directory's owner says whether it has been done.

export async function prepareServiceFiles(spec: ServiceSpec): Promise<void> {
  if (!spec.user) return;
  const { uid, gid } = spec.user;
  await walkUnlessOwned(spec.stateDir, uid, gid, (path) => lchown(path, uid, gid));
  await walkUnlessOwned(spec.workDir, 0, gid, async (path, isDir, mode) => {
    await lchown(path, 0, gid);
    // Group read (and search/execute where the owner has it), never write; the rest as extracted.
    if (isDir) return chmod(path, (mode & 0o707) | 0o050);
    return chmod(path, (mode & 0o707) | 0o040 | (mode & 0o100 ? 0o010 : 0));
  });
}

async function walkUnlessOwned(top: string, uid: number, gid: number, apply: (path: string, isDir: boolean, mode: number) => Promise<void>): Promise<void> {
  const st = await lstat(top);
  if (st.uid === uid && st.gid === gid) return;
  const walk = async (path: string): Promise<void> => {
    const entry = await lstat(path);
    // A symlink (one the service made in its state dir) is re-owned itself, never followed.
    if (entry.isSymbolicLink()) return lchown(path, uid, gid);
    if (entry.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
    await apply(path, entry.isDirectory(), entry.mode);
  };
  await walk(top);
}
