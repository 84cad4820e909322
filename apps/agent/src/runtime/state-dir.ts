import { lchown, lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { ServiceUser } from "./isolation";

/**
 * A service running under its own uid owns its state dir. Recursively only when it does not yet
 * (first start under that uid, e.g. after an agent that ran it as itself): later starts cost one lstat.
 */
export async function giveStateDir(dir: string, { uid, gid }: ServiceUser): Promise<void> {
  const st = await lstat(dir);
  if (st.uid === uid && st.gid === gid) return;
  const walk = async (path: string): Promise<void> => {
    const entry = await lstat(path);
    if (entry.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
    // lchown: a symlink the service left is re-owned itself, never what it points at.
    await lchown(path, uid, gid);
  };
  await walk(dir);
}
