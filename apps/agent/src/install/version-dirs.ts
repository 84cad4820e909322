// packages/NAME/versions/<n>-<sha8>/ holds each kept version; packages/NAME/current is a
// symlink to the live one, switched by renaming a fresh symlink over it (atomic on POSIX).
import { randomBytes } from "node:crypto";
import { readdir, readlink, rename, rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import { fsyncDir } from "./atomic-file";

const VERSION_ID = /^([1-9][0-9]{0,8})-([0-9a-f]{8})$/;
const PARTIAL_PREFIX = ".partial-";

export function makeVersionId(n: number, sha256: string): string {
  return `${n}-${sha256.slice(0, 8)}`;
}

function isVersionId(id: string): boolean {
  return VERSION_ID.test(id);
}

/** The number before the dash; 0 for anything that is not a version id. */
export function versionNumber(id: string): number {
  const m = VERSION_ID.exec(id);
  return m ? Number(m[1]) : 0;
}

export function versionsDir(pkgDir: string): string {
  return join(pkgDir, "versions");
}

export function versionDir(pkgDir: string, id: string): string {
  return join(pkgDir, "versions", id);
}

/** Where a version is extracted before it has been verified; never mistaken for a version. */
export function partialVersionDir(pkgDir: string, id: string): string {
  return join(pkgDir, "versions", `${PARTIAL_PREFIX}${id}`);
}

/** Version ids present on disk, newest (highest number) first. */
export async function listVersionDirs(pkgDir: string): Promise<string[]> {
  const names = await readdir(versionsDir(pkgDir)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [] as string[];
    throw err;
  });
  return names.filter(isVersionId).sort((a, b) => versionNumber(b) - versionNumber(a));
}

/** One more than any number in use (on disk or remembered), so ids never repeat within a package. */
export function nextVersionNumber(ids: Iterable<string>): number {
  let max = 0;
  for (const id of ids) max = Math.max(max, versionNumber(id));
  return max + 1;
}

/** Point `current` at versions/<id>: a new symlink renamed over the old one. */
export async function switchCurrent(pkgDir: string, id: string): Promise<void> {
  const tmp = join(pkgDir, `.current.${randomBytes(4).toString("hex")}.tmp`);
  await symlink(join("versions", id), tmp);
  try {
    await rename(tmp, join(pkgDir, "current"));
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(pkgDir);
}

/** The version `current` points at, if it is a well-formed link. */
export async function readCurrent(pkgDir: string): Promise<string | undefined> {
  try {
    const target = await readlink(join(pkgDir, "current"));
    const m = /^versions\/([^/]+)$/.exec(target);
    return m && isVersionId(m[1]!) ? m[1] : undefined;
  } catch {
    return undefined;
  }
}

/** Remove every version dir (and leftover partial dir / temp link) not in `keep`. */
export async function pruneVersions(pkgDir: string, keep: ReadonlySet<string>): Promise<string[]> {
  const names = await readdir(versionsDir(pkgDir)).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const n of names) {
    if (keep.has(n)) continue;
    if (!isVersionId(n) && !n.startsWith(PARTIAL_PREFIX)) continue;
    await rm(join(versionsDir(pkgDir), n), { recursive: true, force: true });
    removed.push(n);
  }
  const top = await readdir(pkgDir).catch(() => [] as string[]);
  for (const n of top) if (/^\.current\..*\.tmp$/.test(n)) await rm(join(pkgDir, n), { force: true });
  return removed;
}
