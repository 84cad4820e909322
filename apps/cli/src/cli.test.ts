// runCli end to end where no console is needed: usage errors, help, credentials, an unreachable
// console, a bad ZIP path. The paths through a real console are in e2e/cli.spec.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./cli";
import { ExitCode } from "./exit-codes";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sysward-cli-run-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const code = await runCli(argv, { env: { XDG_CONFIG_HOME: dir, ...env }, stdin: new PassThrough(), stdout, stderr, signal: new AbortController().signal });
  const text = (s: PassThrough) => (s.read() as Buffer | null)?.toString() ?? "";
  return { code, stdout: text(stdout), stderr: text(stderr) };
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

describe("runCli", () => {
  it("prints help on stdout when asked and on stderr (exit 2) when called with nothing", async () => {
    const asked = await run(["--help"]);
    expect(asked.code).toBe(ExitCode.Ok);
    expect(asked.stdout).toMatch(/^sysward: /);
    expect(asked.stdout).toMatch(/exit codes:\n\s+0 {2}success/);
    const bare = await run([]);
    expect(bare.code).toBe(ExitCode.Usage);
    expect(bare.stdout).toBe("");
    expect(bare.stderr).toMatch(/commands:/);
    expect((await run(["help", "install"])).stdout).toMatch(/^usage: sysward install <agent> <name> <zip>/);
    expect((await run(["--version"])).stdout).toMatch(/^sysward \d+\.\d+\.\d+\n$/);
  });

  it("reports a usage error as one line and exit 2", async () => {
    const r = await run(["install", "local", "bad-name", "x.zip"]);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.stderr).toBe('sysward: invalid service name "bad-name": names are letters and digits only, 1–64 characters (A-Z, a-z, 0-9)\n');
    expect((await run(["help", "nope"])).code).toBe(ExitCode.Usage);
  });

  it("asks for a login before talking to any console (exit 3)", async () => {
    const r = await run(["ls", "local"]);
    expect(r.code).toBe(ExitCode.Auth);
    expect(r.stderr).toMatch(/^sysward: not logged in: run `sysward login/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("says the console cannot be reached (exit 5), over fetch and over Connect alike", async () => {
    const url = await closedPortUrl();
    const env = { SYSWARD_URL: url, SYSWARD_TOKEN: "swt_x" };
    for (const argv of [["agents"], ["ls", "local"], ["login", url, "--token", "swt_x"]]) {
      const r = await run(argv, env);
      expect(r.code, argv.join(" ")).toBe(ExitCode.Unreachable);
      expect(r.stderr).toBe(`sysward: cannot reach the console at ${url}: connect ECONNREFUSED ${url.slice(7)}\n`);
    }
  });

  it("refuses a ZIP it cannot read before connecting (exit 2)", async () => {
    const r = await run(["install", "local", "hello", join(dir, "missing.zip")], { SYSWARD_URL: "http://127.0.0.1:1", SYSWARD_TOKEN: "t" });
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.stderr).toBe(`sysward: cannot read ${join(dir, "missing.zip")}: no such file\n`);
    expect((await run(["install", "local", "hello", dir], { SYSWARD_URL: "http://127.0.0.1:1", SYSWARD_TOKEN: "t" })).stderr).toMatch(/is not a regular file/);
  });
});
