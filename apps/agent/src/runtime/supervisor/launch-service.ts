import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import type { ServiceSpec } from "../runtime";
import { readProcStat } from "../proc-stat";
import { serviceEnv } from "../service-env";
import { prepareServiceFiles } from "../service-files";
import { logFiles } from "./log-files";
import { sandboxArgs, type SandboxChoice } from "../bubblewrap-sandbox";

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
  await prepareServiceFiles(spec);
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

