// The agent as it ships: bundled with esbuild from apps/agent/src (into reliability/dist, so no
// one else's dist/agent.mjs is touched) and run with plain node on a throw-away data dir.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { agentNodeFlags } from "../../apps/agent/node-flags.mjs";
import { killPackageProcesses } from "../../apps/agent/src/install/testing/package-processes";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const outfile = join(repoRoot, "reliability/dist/agent.mjs");

/** Same options as apps/agent/build.mjs. */
export async function buildAgent(): Promise<string> {
  await build({
    entryPoints: [join(repoRoot, "apps/agent/src/main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    sourcemap: true,
    external: ["better-sqlite3", "pino", "yauzl"],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: "warning",
  });
  return outfile;
}

export interface SoakAgent {
  pid: number;
  dataDir: string;
  socketPath: string;
  token: string;
  process: ChildProcess;
  output(): string;
  /** SIGTERM, then removes the data dir and every service process it left. */
  stop(): Promise<void>;
}

export async function startAgent(bundle: string, env: Record<string, string> = {}): Promise<SoakAgent> {
  const root = mkdtempSync(join(tmpdir(), "sysward-soak-"));
  const dataDir = join(root, "data");
  const child = spawn(process.execPath, [...agentNodeFlags, bundle], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", SYSWARD_DATA_DIR: dataDir, SYSWARD_RUNTIME: "supervisor", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > 2_000_000) out = out.slice(-1_000_000); // a long soak logs a lot; keep the tail
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const deadline = Date.now() + 30_000;
  while (!out.includes('"msg":"agent ready"')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      await exited;
      rmSync(root, { recursive: true, force: true });
      throw new Error(`the agent did not start:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    pid: child.pid!,
    dataDir,
    socketPath: join(dataDir, "agent.sock"),
    token: readFileSync(join(dataDir, "agent.token"), "utf8").trim(),
    process: child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
      killPackageProcesses(join(dataDir, "packages"));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
