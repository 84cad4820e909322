import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { lchown, lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { ServiceSpec } from "../runtime";
import { readProcStat } from "../proc-stat";
import { serviceEnv } from "../service-env";
import { logFiles } from "./log-files";
import { sandboxArgs, type SandboxChoice } from "./sandbox";

export interface LaunchedProcess {
  child: ChildProcess;
  pid: number;
  /** Field 22 of /proc/PID/stat, read right after the fork. */
  startTime: string;
  startedAt: Date;
}

/**
 * Spawns one process of `spec` in its own session and process group, its stdout and stderr
 * opened by us with O_APPEND and handed over as plain fds: the agent is not in the output path,
 * so the service and its logs keep going if the agent dies. Resolves once exec succeeded.
 */
export async function launchService(spec: ServiceSpec, sandbox: SandboxChoice = { detail: "" }): Promise<LaunchedProcess> {
  mkdirSync(spec.logDir, { recursive: true });
  mkdirSync(spec.stateDir, { recursive: true });
  if (sandbox.setpriv && spec.user) await giveStateDir(spec.stateDir, spec.user.uid, spec.user.gid);
  const bwrap = sandbox.bwrap;
  const files = logFiles(spec.logDir);
  const out = openSync(files.stdout, "a", 0o640);
  let child: ChildProcess;
  try {
    const err = openSync(files.stderr, "a", 0o640);
    try {
      const [command, args] = bwrap ? [bwrap, sandboxArgs(spec, sandbox.setpriv)] : [spec.exec, spec.args];
      child = spawn(command, args, {
        cwd: spec.workDir,
        env: serviceEnv(spec),
        detached: true,
        stdio: ["ignore", out, err],
      });
    } finally {
      closeSync(err);
    }
  } finally {
    closeSync(out);
  }
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    // ENOENT/EACCES and friends arrive as an 'error' event on the next tick.
    const error = await new Promise<Error>((resolve) => child.once("error", resolve));
    throw error;
  }
  const stat = readProcStat(pid);
  if (!stat) {
    // Already exited and reaped before we looked: nothing to identify it by any more.
    throw new Error(`${spec.exec} exited immediately`);
  }
  return { child, pid, startTime: stat.startTime, startedAt: new Date() };
}

/**
 * The state dir belongs to the service's uid. Recursively only when it does not yet (first start
 * under its own uid, e.g. after an agent that ran it as itself): later starts cost one lstat.
 */
async function giveStateDir(dir: string, uid: number, gid: number): Promise<void> {
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
