// packages/NAME/: what a version runs as, and how a whole package directory goes away.
import { randomBytes } from "node:crypto";
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Runtime, ServiceSpec } from "../runtime/runtime";
import { fsyncDir } from "./atomic-file";
import type { VersionRecord } from "./service-record";
import type { ManagerLogger } from "./service-types";
import { versionDir } from "./version-dirs";

/** The runtime's view of one version: run from its dir, state and logs beside the versions. */
export function serviceSpec(pkgDir: string, name: string, v: VersionRecord): ServiceSpec {
  const workDir = versionDir(pkgDir, v.id);
  return {
    name,
    versionId: v.id,
    workDir,
    exec: join(workDir, v.exec),
    args: v.args,
    env: v.env,
    stateDir: join(pkgDir, "data"),
    logDir: join(pkgDir, "logs"),
    ...(v.limits && { limits: v.limits }),
  };
}

/** Rename out of the way first, so a crash mid-delete never leaves a half package under its name. */
export async function discardPackageDir(packagesDir: string, name: string, afterRename?: () => void): Promise<void> {
  const trash = join(packagesDir, `.removing-${name}-${randomBytes(4).toString("hex")}`);
  try {
    await rename(join(packagesDir, name), trash);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  await fsyncDir(packagesDir);
  afterRename?.();
  await rm(trash, { recursive: true, force: true });
}

/** The service's last `n` log lines, for a failed install's answer; gives up after 2 s. */
export async function lastLogLines(runtime: Runtime, name: string, n: number, log: ManagerLogger): Promise<string[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 2000);
  const lines: string[] = [];
  try {
    for await (const l of runtime.logs(name, { tail: n, follow: false, signal: ac.signal })) {
      lines.push(l.line);
      if (lines.length > n) lines.shift();
    }
  } catch (err) {
    if (!ac.signal.aborted) log.warn({ err, name }, "could not read the service's log");
  } finally {
    clearTimeout(timer);
  }
  return lines;
}
