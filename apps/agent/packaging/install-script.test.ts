// install.sh's refusals that need no systemd host (the rest, on a real one: lab/tests/one-command-install.test.ts):
// bad options, the wrong OS or CPU (a stand-in `uname` first on PATH), no systemd, a script cut short.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const script = new URL("./install.sh", import.meta.url).pathname;
const bin = mkdtempSync(join(tmpdir(), "sysward-install-sh-"));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function install(args: string[], uname?: { s: string; m: string }): { code: number | null; err: string } {
  let path = process.env.PATH ?? "/usr/bin:/bin";
  if (uname) {
    const dir = mkdtempSync(join(bin, "uname-"));
    writeFileSync(join(dir, "uname"), `#!/bin/sh\ncase $1 in -s) echo ${uname.s} ;; -m) echo ${uname.m} ;; esac\n`);
    chmodSync(join(dir, "uname"), 0o755);
    path = `${dir}:${path}`;
  }
  const r = spawnSync("sh", [script, ...args], { env: { PATH: path, HOME: bin }, encoding: "utf8" });
  return { code: r.status, err: r.stderr };
}

describe("install.sh refuses, saying why", () => {
  it("an unknown option or a missing value", () => {
    expect(install(["--frobnicate"])).toEqual({ code: 1, err: "sysward-install: error: unknown option --frobnicate (see the top of install.sh)\n" });
    expect(install(["--console"]).err).toContain("--console needs a value");
    expect(install(["--wait", "soon"]).err).toContain("--wait takes a whole number of seconds, at least 1");
  });

  it("a host that is not Linux x64", () => {
    expect(install(["--console", "https://c"], { s: "Darwin", m: "arm64" }).err).toContain("this host runs Darwin: the Sysward agent artifact is for Linux x64 only");
    const arm = install(["--console", "https://c"], { s: "Linux", m: "aarch64" });
    expect(arm.code).toBe(1);
    expect(arm.err).toContain("this host is aarch64: the Sysward agent artifact is for Linux x64 (x86_64) only");
  });

  const hasSystemd = existsSync("/run/systemd/system");
  it.skipIf(hasSystemd)(`a host without systemd${hasSystemd ? " — skipped: this host runs systemd" : ""}`, () => {
    const r = install(["--console", "https://c"], { s: "Linux", m: "x86_64" });
    expect(r.code).toBe(1);
    expect(r.err).toContain("systemd is not running on this host (no /run/systemd/system): the agent runs as a systemd service");
  });

  it("nothing at all when the script arrives cut short (curl … | sh with a dropped connection)", () => {
    const whole = readFileSync(script, "utf8");
    // Cut after the option parsing: run whole, this line would say "unknown option".
    const cut = whole.slice(0, whole.indexOf("# ---- the host"));
    const r = spawnSync("sh", ["-s", "--", "--frobnicate"], { input: cut, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: bin }, encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).not.toContain("sysward-install");
    expect(install(["--frobnicate"]).err).toContain("unknown option --frobnicate");
  });
});
