// Every process a benchmark starts goes through here, so that all of them are stopped at the end
// — on success, on failure and on Ctrl-C. Each runs in its own process group (so its children go
// with it) and writes its output to a log file in the run's directory (no pipe for us to drain).
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";

export interface Tracked {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** The last `maxBytes` of the process's output. */
  output(maxBytes?: number): string;
  /** Resolves once the output matches; rejects on exit or after the timeout. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
  /** SIGTERM to the group, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export class ProcessSet {
  readonly #tracked = new Set<Tracked>();
  readonly #logDir: string;
  #n = 0;

  constructor(logDir: string) {
    this.#logDir = logDir;
    // Last resort when the harness dies without running its cleanup: no orphans.
    process.once("exit", () => {
      for (const t of this.#tracked) if (t.running()) killGroup(t.pid, "SIGKILL");
    });
  }

  spawn(name: string, command: string, args: readonly string[], opts: SpawnOptions = {}): Tracked {
    const logFile = join(this.#logDir, `${String(++this.#n).padStart(2, "0")}-${name}.log`);
    const fd = openSync(logFile, "a");
    let child: ChildProcess;
    try {
      child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", fd, fd], detached: true });
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    const pid = child.pid;
    let done = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once("exit", (code, signal) => {
        done = true;
        resolve({ code, signal });
      });
      child.once("error", () => {
        done = true;
        resolve({ code: null, signal: null });
      });
    });
    const output = (maxBytes = 64 * 1024) => tail(logFile, maxBytes);
    const forget = () => this.#tracked.delete(tracked);
    const tracked: Tracked = {
      name,
      pid,
      child,
      logFile,
      output,
      exited,
      running: () => !done,
      async waitForOutput(pattern, timeoutMs) {
        const deadline = Date.now() + timeoutMs;
        while (!pattern.test(output(1024 * 1024))) {
          if (done) throw new Error(`${name} exited before printing ${pattern}:\n${output(4000)}`);
          if (Date.now() > deadline) throw new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${output(4000)}`);
          await sleep(50);
        }
      },
      async stop(graceMs = 10_000) {
        if (done) return;
        killGroup(pid, "SIGTERM");
        const timer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
        // Anything left in its group (children that ignored SIGTERM) goes too.
        killGroup(pid, "SIGKILL");
        forget();
      },
    };
    this.#tracked.add(tracked);
    return tracked;
  }

  /** Stops every process still running, newest first. */
  async stopAll(): Promise<void> {
    for (const t of [...this.#tracked].reverse()) {
      try {
        await t.stop();
      } catch (err) {
        process.stderr.write(`could not stop ${t.name} (pid ${t.pid}): ${(err as Error).message}\n`);
      }
    }
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

function tail(file: string, maxBytes: number): string {
  let fd: number | undefined;
  try {
    const size = statSync(file).size;
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    fd = openSync(file, "r");
    readSync(fd, buf, 0, buf.length, start);
    return buf.toString("utf8");
  } catch {
    return "";
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
