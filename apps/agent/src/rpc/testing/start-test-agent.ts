// Starts the REAL agent (src/main.ts under tsx) as a child process on a private temp data dir,
// waits until its socket answers, and hands out clients for each transport. Teardown stops it
// with SIGTERM and fails loudly if it does not exit.
import type { Client } from "@connectrpc/connect";
import type { AgentService } from "@sysward/proto";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { agentV8Flags } from "../../../node-flags.mjs";
import { createAgentClient, type TransportKind } from "../../client/socket-transport";
import { killPackageProcesses } from "../../install/testing/package-processes";
import { removeSyswardUnits, testRuntime } from "../../runtime/systemd/test-support/test-units";

const agentRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const repoRoot = resolve(agentRoot, "../..");

export interface TestAgent {
  dataDir: string;
  socketPath: string;
  token: string;
  process: ChildProcess;
  /** Everything the agent wrote to stderr (its JSON log) and stdout. */
  output(): string;
  /** The TCP port its listener bound (SYSWARD_LISTEN with port 0), from its "agent ready" line. */
  tcpPort(): number;
  client(kind?: TransportKind): Client<typeof AgentService>;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit (a crash). */
  kill(): Promise<void>;
  /** Waits for an exit the agent chose itself (e.g. SYSWARD_TEST_CRASH_AT). */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the services it left running (they outlive the agent by design) and removes the data dir. */
  cleanup(): void;
}

export interface StartTestAgentOptions {
  dataDir?: string;
  env?: Record<string, string>;
  /** How long to wait for the socket to answer. */
  readyTimeoutMs?: number;
}

export async function startTestAgent(opts: StartTestAgentOptions = {}): Promise<TestAgent> {
  const dataDir = opts.dataDir ?? join(mkdtempSync(join(tmpdir(), "sysward-test-")), "data");
  const socketPath = join(dataDir, "agent.sock");
  // One process (not the tsx CLI, which forks): a SIGKILL here is a real agent crash.
  // The same V8 flags as `npm start`, so memory checks see what production would.
  const child = spawn(process.execPath, [...agentV8Flags, "--import", "tsx", join(agentRoot, "src", "main.ts")], {
    cwd: repoRoot,
    // A clean env (no inherited secrets); built as a plain record because Next's types make
    // NODE_ENV a required key of ProcessEnv when the console's tests compile this file.
    env: Object.fromEntries(Object.entries({
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/root",
      SYSWARD_DATA_DIR: dataDir,
      SYSWARD_PERF_INTERVAL_MS: "200",
      SYSWARD_HEALTH_SECONDS: "1",
      // The supervisor, or what the suite runs on (systemd inside a lab machine: lab/run-inner-suite.ts).
      SYSWARD_RUNTIME: testRuntime(),
      SYSWARD_LOG_LEVEL: "debug",
      ...opts.env,
    })) as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once("exit", (code, signal) => res({ code, signal })),
  );
  let exitedEarly = false;
  void exit.then(() => (exitedEarly = true));

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  while (!out.includes('"msg":"agent ready"')) {
    if (exitedEarly) throw new Error(`agent exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`agent not ready after ${opts.readyTimeoutMs ?? 20_000} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const token = readFileSync(join(dataDir, "agent.token"), "utf8").trim();
  const clients = new Map<TransportKind, Client<typeof AgentService>>();

  return {
    dataDir,
    socketPath,
    token,
    process: child,
    output: () => out,
    tcpPort() {
      const ready = out.split("\n").find((l) => l.includes('"msg":"agent ready"'));
      const port = ready && (JSON.parse(ready) as { tcp?: { port: number } }).tcp?.port;
      if (!port) throw new Error(`the agent reported no TCP listener:\n${out}`);
      return port;
    },
    client(kind = "connect") {
      let c = clients.get(kind);
      if (!c) clients.set(kind, (c = createAgentClient(socketPath, token, kind)));
      return c;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const { code, signal } = await exit;
      clearTimeout(timer);
      if (signal === "SIGKILL") throw new Error(`agent did not stop on SIGTERM within 10 s:\n${out.slice(-4000)}`);
      return code;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exit;
    },
    exited: () => exit,
    cleanup() {
      if (testRuntime() === "systemd") removeSyswardUnits();
      killPackageProcesses(join(dataDir, "packages"));
      if (existsSync(dataDir)) rmSync(dirname(dataDir), { recursive: true, force: true });
    },
  };
}
