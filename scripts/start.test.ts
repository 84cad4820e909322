// `npm start`'s process (scripts/start.mjs) with SYSWARD_SKIP_BUILD=1 over an existing build: it
// becomes the console and its only child is the agent (no launcher left holding memory); it
// prints how to log in; Ctrl-C stops both; the agent exiting stops the console. Needs a console
// production build and the agent bundle (npm test makes both); without them it is skipped.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../apps/agent/src/install/testing/package-fixtures";
import { findConsoleBuild } from "../apps/agent/src/reliability/testing/console-process";
import { listProcesses, processAlive } from "../apps/agent/src/runtime/proc-stat";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const build = findConsoleBuild();
const agentBundle = join(root, "apps/agent/dist/agent.mjs");
const ready = build !== undefined && existsSync(agentBundle);

interface Started {
  child: ChildProcess;
  baseUrl: string;
  output(): string;
  exited: Promise<number | null>;
  dir: string;
}
const started: Started[] = [];

async function startNpmStartProcess(): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), "sysward-start-"));
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, "scripts/start.mjs")], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      SYSWARD_SKIP_BUILD: "1",
      NEXT_DIST_DIR: build!,
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(port),
      SYSWARD_DATA_DIR: join(dir, "agent"),
      SYSWARD_CONSOLE_DATA_DIR: join(dir, "console"),
      SYSWARD_ADMIN_PASSWORD: "start-test-admin-password",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const s: Started = { child, baseUrl: `http://127.0.0.1:${port}`, output: () => out, exited, dir };
  started.push(s);
  const deadline = Date.now() + 60_000;
  while ((await fetch(`${s.baseUrl}/api/healthz`).then((r) => r.status, () => 0)) !== 200) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the console did not answer within 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return s;
}

/** Live child processes of `pid`, with their command lines. */
function childrenOf(pid: number): Array<{ pid: number; cmdline: string }> {
  return listProcesses()
    .filter((p) => p.ppid === pid)
    .map((p) => ({ pid: p.pid, cmdline: readFileSync(`/proc/${p.pid}/cmdline`, "utf8").split("\0").join(" ") }));
}

afterEach(async () => {
  for (const s of started.splice(0)) {
    for (const c of childrenOf(s.child.pid!)) process.kill(c.pid, "SIGKILL");
    if (s.child.exitCode === null) s.child.kill("SIGKILL");
    await s.exited;
    rmSync(s.dir, { recursive: true, force: true });
  }
});

describe.skipIf(!ready)(`npm start's process${ready ? "" : " — skipped: needs a console build and apps/agent/dist/agent.mjs"}`, () => {
  it("is the console itself, with the agent its only child; prints how to log in; Ctrl-C stops both", async () => {
    const s = await startNpmStartProcess();
    const kids = childrenOf(s.child.pid!);
    expect(kids.map((k) => k.cmdline)).toEqual([expect.stringContaining("apps/agent/dist/agent.mjs")]);
    // The console answers from this very process: the agent proxy reaches the agent it started.
    expect((await fetch(`${s.baseUrl}/agents/local/debug/vars`)).status).toBe(401);
    expect(s.output()).toContain(`sysward: console on http://localhost:${new URL(s.baseUrl).port}`);
    expect(s.output()).toContain(`log in as "admin"`);
    s.child.kill("SIGINT");
    expect(await s.exited).toBe(0);
    await expect.poll(() => processAlive(kids[0]!.pid), { timeout: 10_000 }).toBe(false);
  }, 90_000);

  it("stops, failing, when the agent exits", async () => {
    const s = await startNpmStartProcess();
    const [agent] = childrenOf(s.child.pid!);
    process.kill(agent!.pid, "SIGKILL");
    expect(await s.exited).not.toBe(0);
    expect(s.output()).toContain("sysward: the agent exited (SIGKILL); stopping.");
  }, 90_000);
});
