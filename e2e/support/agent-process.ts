// One more machine's agent for the specs: the built agent (apps/agent/dist/agent.mjs) on its own
// temp SYSWARD_DATA_DIR, with the stack agent's settings (fast samples, a short health window,
// the supervisor runtime) and nothing else of the stack's env.
//
// Supervised services outlive their agent by design, so dispose() stops the agent and then kills
// every process running out of its temp dir (the same rule start-stack.mjs applies to the stack).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { agentNodeFlags } from "../../apps/agent/node-flags.mjs";
import { killPackageProcesses, packageProcesses, packagesDirOf, type PackageProcess } from "../../apps/agent/src/install/testing/package-processes";
import { processAlive } from "./host-checks";

export const repo = fileURLToPath(new URL("../..", import.meta.url));

/** Ends `child` with `signal` (SIGKILL after 8 s) and waits for it; nothing to do when it is gone. */
export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 8_000);
  await exited;
  clearTimeout(timer);
}

export class AgentProcess {
  protected agent: ChildProcess | undefined;
  private log = "";

  constructor(
    /** Temp dir holding everything of this machine; removed by dispose(). */
    readonly root: string,
    readonly dataDir: string,
  ) {}

  static makeRoot(prefix: string): { root: string; dataDir: string } {
    const root = mkdtempSync(join(tmpdir(), prefix));
    return { root, dataDir: join(root, "data") };
  }

  get socketPath(): string {
    return join(this.dataDir, "agent.sock");
  }

  /** The agent's bearer token (made on its first start). */
  token(): string {
    return readFileSync(join(this.dataDir, "agent.token"), "utf8").trim();
  }

  /** The env a person would have on the machine: nothing of the stack's, this machine's data dir. */
  protected env(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? this.root,
      SYSWARD_DATA_DIR: this.dataDir,
      SYSWARD_PERF_INTERVAL_MS: "500",
      SYSWARD_HEALTH_SECONDS: "2",
      SYSWARD_RUNTIME: "supervisor",
    };
  }

  /** Starts the agent and waits for its "agent ready" line, which it returns. */
  async start(timeoutMs = 20_000): Promise<string> {
    if (this.agent && this.agent.exitCode === null && this.agent.signalCode === null) throw new Error("the agent is already running");
    const child = spawn(process.execPath, [...agentNodeFlags, join(repo, "apps/agent/dist/agent.mjs")], {
      cwd: this.root,
      env: this.env(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.agent = child;
    const from = this.log.length;
    child.stdout?.on("data", (d: Buffer) => (this.log += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (this.log += d.toString()));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = this.log.slice(from).split("\n").find((l) => l.includes('"msg":"agent ready"'));
      if (ready) return ready;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the agent exited (${child.signalCode ?? child.exitCode}):\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`the agent was not ready within ${timeoutMs} ms:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Everything the agent printed so far. */
  output(): string {
    return this.log;
  }

  /** Ends the agent with `signal` (SIGKILL: a crash) and waits for it; its services run on. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    await stopChild(this.agent, signal);
  }

  /** Processes running out of this machine's packages dir: proof an install landed here. */
  serviceProcesses(): PackageProcess[] {
    return packageProcesses(packagesDirOf(this.dataDir));
  }

  /** Stops the agent, kills every service it started (they outlive it) and removes the temp dir. */
  async dispose(): Promise<void> {
    await this.stop();
    killPackageProcesses(packagesDirOf(this.dataDir));
    const stray = this.strayPids();
    for (const pid of stray) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    const deadline = Date.now() + 10_000;
    while ([...stray, ...this.serviceProcesses().map((p) => p.pid)].some(processAlive)) {
      if (Date.now() > deadline) throw new Error(`processes of ${this.root} still alive after SIGKILL`);
      await new Promise((r) => setTimeout(r, 50));
    }
    rmSync(this.root, { recursive: true, force: true });
  }

  /** Pids whose command line or cwd is in this machine's temp dir, or whose state dir the agent put there. */
  private strayPids(): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      try {
        const dir = `/proc/${entry}`;
        if (
          readFileSync(`${dir}/cmdline`, "utf8").includes(this.root) ||
          readlinkSync(`${dir}/cwd`).startsWith(this.root) ||
          readFileSync(`${dir}/environ`, "utf8").includes(`SYSWARD_STATE_DIR=${this.root}/`)
        ) {
          pids.push(Number(entry));
        }
      } catch {
        // gone, or not ours to read
      }
    }
    return pids;
  }
}
