// Which processes run out of a data dir's packages: /proc/PID/cwd is the version directory
// every runtime starts a service in. Lets tests check "exactly one version runs" and kill
// whatever a test left behind.
import { readlinkSync } from "node:fs";
import { join, sep } from "node:path";
import { listProcesses, readProcStat } from "../../runtime/proc-stat";

export interface PackageProcess {
  pid: number;
  pgrp: number;
  name: string;
  versionId: string;
}

/** Live processes whose working directory is packages/NAME/versions/ID under `packagesDir`. */
export function packageProcesses(packagesDir: string): PackageProcess[] {
  const prefix = packagesDir.endsWith(sep) ? packagesDir : packagesDir + sep;
  const out: PackageProcess[] = [];
  for (const p of listProcesses()) {
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${p.pid}/cwd`);
    } catch {
      continue;
    }
    if (!cwd.startsWith(prefix)) continue;
    const [name, versions, versionId] = cwd.slice(prefix.length).split(sep);
    if (!name || versions !== "versions" || !versionId) continue;
    out.push({ pid: p.pid, pgrp: p.pgrp, name, versionId });
  }
  return out;
}

/** The distinct version ids running for `name`. */
export function runningVersions(packagesDir: string, name: string): string[] {
  return [...new Set(packageProcesses(packagesDir).filter((p) => p.name === name).map((p) => p.versionId))].sort();
}

/** SIGKILL every process (and its group) running out of `packagesDir`. */
export function killPackageProcesses(packagesDir: string): void {
  const own = readProcStat(process.pid)?.pgrp;
  for (const p of packageProcesses(packagesDir)) {
    for (const target of p.pgrp === own ? [p.pid] : [-p.pgrp, p.pid]) {
      try {
        process.kill(target, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
}

export const packagesDirOf = (dataDir: string) => join(dataDir, "packages");
