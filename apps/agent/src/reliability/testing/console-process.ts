// The real console, `next start` style (apps/console/scripts/start.mjs), as a child process the
// reliability tests can SIGKILL. Only when a production build is already there: a test never
// runs `next build` (minutes on this machine); SYSWARD_CONSOLE_DIST_DIR picks the build,
// otherwise the newest of the known build dirs is used.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../install/testing/package-fixtures";

const consoleDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../console");
const KNOWN_DIST_DIRS = [".next-e2e", ".next-bench", ".next", ".next-server"];
export const ADMIN_PASSWORD = "reliability-admin-password";

/** The build to start, or undefined when there is none. */
export function findConsoleBuild(): string | undefined {
  const wanted = process.env.SYSWARD_CONSOLE_DIST_DIR;
  const candidates = wanted ? [wanted] : KNOWN_DIST_DIRS;
  const built = candidates
    .filter((d) => existsSync(join(consoleDir, d, "BUILD_ID")))
    .map((d) => ({ d, at: statSync(join(consoleDir, d, "BUILD_ID")).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  return built[0]?.d;
}

export interface ConsoleProcess {
  process: ChildProcess;
  baseUrl: string;
  /** `sysward_session=…` of the logged-in admin. */
  cookie: string;
  output(): string;
  /** SIGKILL (a crash) and remove its data dir. */
  kill(): Promise<void>;
}

/** `env`: more of the console's settings (e.g. SYSWARD_AGENT_ARTIFACT_DIR). */
export async function startConsole(distDir: string, agentDataDir: string, env: Record<string, string> = {}): Promise<ConsoleProcess> {
  const port = await freePort();
  const consoleDataDir = mkdtempSync(join(tmpdir(), "sysward-console-"));
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: consoleDir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/root",
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      NEXT_DIST_DIR: distDir,
      PORT: String(port),
      SYSWARD_CONSOLE_HOST: "127.0.0.1",
      SYSWARD_DATA_DIR: agentDataDir,
      SYSWARD_CONSOLE_DATA_DIR: consoleDataDir,
      SYSWARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  const exit = new Promise<void>((res) => child.once("exit", () => res()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exit;
    rmSync(consoleDataDir, { recursive: true, force: true });
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while ((await fetch(`${baseUrl}/api/healthz`).then((r) => r.status, () => 0)) !== 200) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await kill();
      throw new Error(`the console did not come up:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const login = await fetch(`${baseUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: baseUrl },
    body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
  });
  const cookie = /sysward_session=[^;]+/.exec(login.headers.get("set-cookie") ?? "")?.[0];
  if (login.status !== 200 || !cookie) {
    await kill();
    throw new Error(`console login failed: ${login.status}`);
  }
  return {
    process: child,
    baseUrl,
    cookie,
    output: () => out,
    kill,
  };
}
