// A second machine for the remote-agent spec: the built agent (apps/agent/dist/agent.mjs) on its
// own temp SYSWARD_DATA_DIR and a free 127.0.0.1 port, enrolled by running the command the console
// page showed, word for word, then started plainly so it opens its mTLS listener.
//
// Supervised services outlive their agent by design, so dispose() stops the agent and then kills
// every process running out of its temp dir (the same rule start-stack.mjs applies to the stack).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { killPackageProcesses, packageProcesses, packagesDirOf, type PackageProcess } from "../../apps/agent/src/install/testing/package-processes";
import { freePort, processAlive } from "./host-checks";

const repo = fileURLToPath(new URL("../..", import.meta.url));
/** What the console's command starts with (lib/server/pki/enroll-routes.ts): run from a checkout. */
const COMMAND_PREFIX = ["node", "apps/agent/dist/agent.mjs", "enroll"];

export interface EnrollRun {
  code: number | null;
  output: string;
}

export class RemoteAgent {
  private agent: ChildProcess | undefined;
  private log = "";

  private constructor(
    /** Temp dir holding everything of this machine; removed by dispose(). */
    readonly root: string,
    readonly dataDir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<RemoteAgent> {
    const root = mkdtempSync(join(tmpdir(), "sysward-e2e-remote-"));
    return new RemoteAgent(root, join(root, "data"), await freePort());
  }

  /** What the admin types as "its agent will listen on". */
  get listen(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The env a person would have on the machine: nothing of the stack's, this machine's data dir. */
  private env(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? this.root,
      SYSWARD_DATA_DIR: this.dataDir,
      // As the stack's agent: fast samples, a short health window, the supervisor runtime.
      SYSWARD_PERF_INTERVAL_MS: "500",
      SYSWARD_HEALTH_SECONDS: "2",
      SYSWARD_RUNTIME: "supervisor",
    };
  }

  /** Runs the console's enrollment command as given (`node` is this node), in the checkout. */
  enroll(command: string): Promise<EnrollRun> {
    const words = command.trim().split(/\s+/);
    if (COMMAND_PREFIX.some((w, i) => words[i] !== w)) throw new Error(`not an enrollment command: ${command}`);
    const child = spawn(process.execPath, words.slice(1), { cwd: repo, env: this.env(), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    return new Promise((r) => child.once("exit", (code) => r({ code, output })));
  }

  /** Starts the agent plainly (listen.json says where) and waits for its "agent ready" line. */
  async start(timeoutMs = 20_000): Promise<void> {
    if (this.agent) throw new Error("the remote agent is already running");
    const child = spawn(process.execPath, ["--enable-source-maps", "--max-semi-space-size=2", join(repo, "apps/agent/dist/agent.mjs")], {
      cwd: this.root,
      env: this.env(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.agent = child;
    child.stdout?.on("data", (d: Buffer) => (this.log += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (this.log += d.toString()));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = this.log.split("\n").find((l) => l.includes('"msg":"agent ready"'));
      if (ready) {
        const tcp = (JSON.parse(ready) as { tcp?: { port?: number } }).tcp;
        if (tcp?.port !== this.port) throw new Error(`the remote agent is ready but not listening on ${this.listen}: ${ready}`);
        return;
      }
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the remote agent exited (${child.signalCode ?? child.exitCode}):\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`the remote agent was not ready within ${timeoutMs} ms:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Everything the agent printed so far. */
  output(): string {
    return this.log;
  }

  /** Processes running out of this machine's packages dir: proof an install landed here. */
  serviceProcesses(): PackageProcess[] {
    return packageProcesses(packagesDirOf(this.dataDir));
  }

  /** Stops the agent, kills every service it started (they outlive it) and removes the temp dir. */
  async dispose(): Promise<void> {
    const child = this.agent;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 8_000);
      await exited;
      clearTimeout(timer);
    }
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
