import { chmod, mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import type { ServiceUser } from "../isolation";
import type { ServiceSpec } from "../runtime";
import { listProcesses, readProcStat, type ProcStat } from "../proc-stat";

// Tiny real services for runtime and installer tests: `#!/bin/sh` scripts laid out like an
// installed package (packages/NAME/versions/ID/NAME, data/, logs/). Every script first records
// its own pid and start time in its state dir, so cleanup() can kill every process group a
// test ever started, whichever runtime started it and however often it was restarted. A script
// in a pid namespace (the supervisor's sandbox) records its pid there; pidsOf() gives host pids.

export interface TestServiceOptions {
  args?: string[];
  env?: Record<string, string>;
  versionId?: string;
  /** The uid the service runs as (a root agent's runtimes need one); its state dir is theirs. */
  user?: ServiceUser;
}

export interface TestServices {
  /** The temp directory everything lives in. */
  readonly root: string;
  /** Writes `#!/bin/sh` + `body` as package `name` and returns its spec. */
  write(name: string, body: string, opts?: TestServiceOptions): Promise<ServiceSpec>;
  /** Pids the service's script processes reported, oldest first (its main shell, each (re)start). */
  pidsOf(name: string): Promise<number[]>;
  /** SIGKILLs the process group of every recorded process still alive, then deletes `root`. */
  cleanup(): Promise<void>;
}

/** Ready-made script bodies. */
export const testScripts = {
  /** Says hello on both streams, then stays up. */
  serve: 'echo "out: started"; echo "err: started" >&2; while :; do sleep 1; done',
  /** Prints a numbered line every 100 ms. */
  ticker: 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.1; done',
  /** Prints lines 1..n on stdout, then stays up. */
  lines: (n: number) => `i=1; while [ $i -le ${n} ]; do echo "line $i"; i=$((i+1)); done; while :; do sleep 1; done`,
  /** Exits at once with `code`. */
  crash: (code: number) => `echo "crashing with ${code}"; exit ${code}`,
  /** Survives SIGTERM (says so on stdout each time); only SIGKILL ends it. */
  ignoresTerm: "trap 'echo term-ignored' TERM; echo ready; while :; do sleep 0.1; done",
  /** Prints its environment, then stays up. */
  printEnv: 'env; echo "--env-end--"; while :; do sleep 1; done',
} as const;

export async function createTestServices(opts: { baseDir?: string } = {}): Promise<TestServices> {
  const base = opts.baseDir ?? tmpdir();
  await mkdir(base, { recursive: true });
  const root = await mkdtemp(join(base, "sysward-svc-"));
  const pidFile = (name: string) => join(root, "packages", name, "data", ".test-pids");

  async function recorded(name: string): Promise<Array<{ pid: number; startTime: string }>> {
    const text = await readFile(pidFile(name), "utf8").catch(() => "");
    return text
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => {
        const [pid, startTime] = l.trim().split(" ");
        return { pid: Number(pid), startTime: startTime ?? "" };
      });
  }

  return {
    root,
    async write(name, body, o = {}) {
      const pkg = join(root, "packages", name);
      const versionId = o.versionId ?? "1-0123abcd";
      const workDir = join(pkg, "versions", versionId);
      const stateDir = join(pkg, "data");
      const logDir = join(pkg, "logs");
      await mkdir(workDir, { recursive: true });
      await mkdir(stateDir, { recursive: true });
      await mkdir(logDir, { recursive: true });
      const exec = join(workDir, name);
      const prelude = `echo "$$ $(cut -d' ' -f22 /proc/$$/stat)" >> ${shQuote(pidFile(name))}`;
      await writeFile(exec, `#!/bin/sh\n${prelude}\n${body}\n`);
      await chmod(exec, 0o755);
      return { name, versionId, workDir, exec, args: o.args ?? [], env: o.env ?? {}, stateDir, logDir, ...(o.user ? { user: o.user } : {}) };
    },
    async pidsOf(name) {
      return (await recorded(name)).map((r) => hostPid(r.pid, r.startTime));
    },
    async cleanup() {
      const names = await readdir(join(root, "packages")).catch(() => [] as string[]);
      const victims: ProcStat[] = [];
      for (const name of names) {
        for (const { pid: recordedPid, startTime } of await recorded(name)) {
          const stat = readProcStat(hostPid(recordedPid, startTime));
          // Gone, or the pid is someone else's now.
          if (stat && stat.startTime === startTime) victims.push(stat);
        }
      }
      // A service started just before the test ended may not have recorded itself yet; its
      // working directory still gives it away.
      for (const proc of listProcesses()) {
        const cwd = await readlink(`/proc/${proc.pid}/cwd`).catch(() => "");
        if (cwd === root || cwd.startsWith(`${root}/`)) victims.push(proc);
      }
      const ownGroup = readProcStat(process.pid)?.pgrp;
      for (const victim of victims) {
        // Never our own group: a service that somehow shared it would take the test runner down.
        for (const target of victim.pgrp === ownGroup ? [victim.pid] : [-victim.pgrp, victim.pid]) {
          try {
            process.kill(target, "SIGKILL");
          } catch {
            // already gone
          }
        }
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * The host's pid of a process that recorded (pid, start time) about itself, or 0 once it is gone.
 * Start times do not depend on the namespace; NSpid's last field is the pid the process saw.
 */
function hostPid(pid: number, startTime: string): number {
  if (readProcStat(pid)?.startTime === startTime) return pid;
  for (const p of listProcesses()) {
    if (p.startTime !== startTime) continue;
    const nspid = /^NSpid:\s*(.*)$/m.exec(readText(`/proc/${p.pid}/status`))?.[1]?.trim().split(/\s+/);
    if (nspid && nspid.length > 1 && Number(nspid.at(-1)) === pid) return p.pid;
  }
  return 0;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
