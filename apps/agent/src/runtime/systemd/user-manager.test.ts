// Which manager the systemd runtime would use, with systemctl's answers stubbed: PID 1's for root,
// the user manager's for anyone else, each only in a state in which it runs units.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CommandResult, Systemctl } from "./systemctl";
import { detectSystemManager, detectUserManager } from "./user-manager";

/** A systemctl whose `is-system-running` prints `state`; records the calls. */
function answering(state: string, code = 0): Systemctl & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run: async (args: string[]): Promise<CommandResult> => {
      calls.push(args);
      return { code, stdout: `${state}\n`, stderr: "" };
    },
  } as unknown as Systemctl & { calls: string[][] };
}

describe("detecting a systemd manager", () => {
  const saved = process.env.XDG_RUNTIME_DIR;
  const dirs: string[] = [];
  afterEach(async () => {
    if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = saved;
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it("system mode where systemd is PID 1 and running (or degraded)", async () => {
    for (const state of ["running", "degraded"]) {
      expect(await detectSystemManager(answering(state), true)).toEqual({ available: true, reason: `systemd system manager (PID 1) is ${state}`, mode: "system" });
    }
  });

  it("no system mode without /run/systemd/system, and systemctl is not even asked", async () => {
    const systemctl = answering("running");
    const d = await detectSystemManager(systemctl, false);
    expect(d).toMatchObject({ available: false, reason: expect.stringContaining("systemd is not PID 1") });
    expect(systemctl.calls).toEqual([]);
  });

  it("no system mode while PID 1 is going down or cannot be asked", async () => {
    expect(await detectSystemManager(answering("stopping", 1), true)).toMatchObject({ available: false, reason: expect.stringContaining("stopping") });
    expect(await detectSystemManager(answering("", 1), true)).toMatchObject({ available: false, reason: expect.stringContaining("exit 1") });
  });

  it("user mode where the user manager's socket exists and it runs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sysward-detect-"));
    dirs.push(dir);
    process.env.XDG_RUNTIME_DIR = dir;
    expect(await detectUserManager(answering("running"))).toMatchObject({ available: false, reason: expect.stringContaining("does not exist") });
    await mkdir(join(dir, "systemd"));
    await writeFile(join(dir, "systemd", "private"), "");
    expect(await detectUserManager(answering("running"))).toEqual({ available: true, reason: "systemd user manager is running", mode: "user" });
  });
});
