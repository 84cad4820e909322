// The real console: a production build (`next build` into apps/console/.next-bench, so it never
// clashes with another build's .next / .next-server) started with its own scripts/start.mjs,
// logged in as admin, with an API token for token-authenticated load.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { consoleDir, repoRoot } from "./paths";
import type { ProcessSet, Tracked } from "./processes";

const CONSOLE_DIST_DIR = ".next-bench";
/**
 * As `npm start` runs the console (the root package.json): a 4 MB young generation. V8's default
 * grows it to 16 MB × 2 at start-up and keeps it (same-run A/B: idle RSS 163 → 153 MB, /debug/vars
 * at 50 connections 1 860 → 1 807 req/s; 2 MB: 148 MB but 1 901 → 1 577 req/s).
 */
const CONSOLE_NODE_FLAGS = ["--max-semi-space-size=4"];
const ADMIN_PASSWORD = "bench-admin-password";

export interface ConsoleRig {
  proc: Tracked;
  pid: number;
  baseUrl: string;
  origin: string;
  /** `sysward_session=…` of the logged-in admin. */
  cookie: string;
  /** An admin API token (`swt_…`) for `Authorization: Bearer`. */
  apiToken: string;
  stop(): Promise<void>;
}

/** Newest mtime (ms) of the files a console build is made from. */
function newestSource(): number {
  let newest = 0;
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) if (e !== "node_modules" && !e.startsWith(".next")) walk(join(p, e));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ["app", "lib", "components", "proxy.ts", "instrumentation.ts", "next.config.ts", "package.json"]) {
    if (existsSync(join(consoleDir, p))) walk(join(consoleDir, p));
  }
  walk(join(repoRoot, "proto/gen"));
  return newest;
}

/** Builds the console unless a build newer than every source is there (or `force`). Returns what it did. */
export function ensureConsoleBuild(force: boolean, log: (s: string) => void): "built" | "reused" {
  const buildId = join(consoleDir, CONSOLE_DIST_DIR, "BUILD_ID");
  if (!force && existsSync(buildId) && statSync(buildId).mtimeMs > newestSource()) return "reused";
  log(`building the console (next build → apps/console/${CONSOLE_DIST_DIR}); this takes a minute or two`);
  const r = spawnSync("npx", ["next", "build"], {
    cwd: consoleDir,
    env: { ...process.env, NEXT_DIST_DIR: CONSOLE_DIST_DIR, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "ignore", "inherit"],
    timeout: 15 * 60_000,
  });
  if (r.status !== 0) throw new Error(`next build of the console failed (exit ${r.status ?? r.signal}); run it by hand in apps/console to see why`);
  return "built";
}

export interface ConsoleRigOptions {
  port: number;
  agentDataDir: string;
  consoleDataDir: string;
  nodeFlags?: string[];
  label?: string;
  /** More of the console's settings (SYSWARD_… variables). */
  env?: Record<string, string>;
  /** Another build of the console (a dist dir under apps/console) to measure beside this one. */
  distDir?: string;
  /** Another checkout's apps/console, already built into .next-bench (an older build as a baseline). */
  consoleDir?: string;
}

export async function startConsoleRig(procs: ProcessSet, o: ConsoleRigOptions): Promise<ConsoleRig> {
  const proc = procs.spawn(o.label ? `console-${o.label}` : "console", process.execPath, [...CONSOLE_NODE_FLAGS, ...(o.nodeFlags ?? []), "scripts/start.mjs"], {
    cwd: o.consoleDir ?? consoleDir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/root",
      NODE_ENV: "production",
      NEXT_DIST_DIR: o.distDir ?? CONSOLE_DIST_DIR,
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(o.port),
      SYSWARD_CONSOLE_HOST: "127.0.0.1",
      SYSWARD_DATA_DIR: o.agentDataDir,
      SYSWARD_CONSOLE_DATA_DIR: o.consoleDataDir,
      SYSWARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ...o.env,
    },
  });
  const baseUrl = `http://127.0.0.1:${o.port}`;
  await proc.waitForOutput(/listening on/, 60_000);
  const deadline = Date.now() + 30_000;
  while ((await fetch(`${baseUrl}/api/healthz`).then((r) => r.status, () => 0)) !== 200) {
    if (Date.now() > deadline) throw new Error(`console /api/healthz did not answer 200 within 30 s:\n${proc.output(4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const origin = baseUrl;
  const login = await fetch(`${baseUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin },
    body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`login as admin failed: ${login.status} ${await login.text()}`);
  const cookie = /sysward_session=[^;]+/.exec(login.headers.get("set-cookie") ?? "")?.[0];
  if (!cookie) throw new Error("login answered 200 without a sysward_session cookie");
  const tok = await fetch(`${baseUrl}/api/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json", origin, cookie },
    body: JSON.stringify({ name: `bench-${Date.now()}` }),
  });
  if (tok.status !== 201) throw new Error(`creating an API token failed: ${tok.status} ${await tok.text()}`);
  const { token } = (await tok.json()) as { token: string };
  return { proc, pid: proc.pid, baseUrl, origin, cookie, apiToken: token, stop: () => proc.stop() };
}
