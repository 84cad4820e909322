// Where the e2e stack lives for one run. playwright.config.ts calls defineStack() in the runner, which
// fills these env vars; workers and the webServer command inherit them, so every process agrees on
// the same temp dir, port and admin password without files to pass around.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface StackSettings {
  /** A fresh temp dir per run, made and removed by start-stack.mjs. */
  root: string;
  /** The agent's SYSWARD_DATA_DIR. Its parent is `root`, which holds nothing else but the console dir. */
  agentDataDir: string;
  consoleDataDir: string;
  port: number;
  baseURL: string;
  adminPassword: string;
  /** The agent every console registers automatically. */
  agentId: string;
}

const ENV = {
  root: "SYSWARD_E2E_ROOT",
  port: "SYSWARD_E2E_PORT",
  password: "SYSWARD_E2E_ADMIN_PASSWORD",
} as const;

/** A TCP port free right now on 127.0.0.1 (asked from a child so the config stays synchronous). */
function freePort(): number {
  const script =
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  const port = Number(r.stdout);
  if (r.status !== 0 || !Number.isInteger(port) || port <= 0) throw new Error(`could not find a free port: ${r.stderr}`);
  return port;
}

/** Runner side: choose this run's settings once (workers see them already set). */
export function defineStack(env: NodeJS.ProcessEnv = process.env): StackSettings {
  env[ENV.root] ||= join(tmpdir(), `sysward-e2e-${randomBytes(4).toString("hex")}`);
  env[ENV.port] ||= String(freePort());
  env[ENV.password] ||= "e2e-admin-password";
  return readStack(env);
}

/** Any process of the run: the settings chosen by defineStack(). */
export function readStack(env: NodeJS.ProcessEnv = process.env): StackSettings {
  const root = env[ENV.root];
  const port = Number(env[ENV.port]);
  const adminPassword = env[ENV.password];
  if (!root || !port || !adminPassword) {
    throw new Error(`${ENV.root}, ${ENV.port} and ${ENV.password} are unset: run the suite with \`npx playwright test\``);
  }
  return {
    root,
    agentDataDir: join(root, "agent"),
    consoleDataDir: join(root, "console"),
    port,
    baseURL: `http://127.0.0.1:${port}`,
    adminPassword,
    agentId: "local",
  };
}
