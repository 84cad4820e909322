// The data dir's lock against real processes: it holds while the process named in it runs, and a
// pid the kernel has reused for another process does not keep a crashed agent's lock alive.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readProcStat } from "../runtime/proc-stat";
import { waitFor } from "../runtime/testing/wait-for";
import { acquireLock, AgentLockedError } from "./data-dir";

const dir = mkdtempSync(join(tmpdir(), "sysward-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("acquireLock", () => {
  it("writes our pid and start time, and removes the lock on release", () => {
    const path = join(dir, "own.lock");
    const release = acquireLock(path);
    expect(readFileSync(path, "utf8")).toBe(`${process.pid} ${readProcStat(process.pid)!.startTime}\n`);
    release();
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
  });

  it("refuses while the process in the lock runs, and takes it over when that pid names another process", async () => {
    const other = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      const stat = await waitFor(() => readProcStat(other.pid!), "the other process");
      const path = join(dir, "other.lock");
      writeFileSync(path, `${other.pid} ${stat.startTime}\n`);
      expect(() => acquireLock(path)).toThrow(AgentLockedError);
      expect(() => acquireLock(path)).toThrow(new RegExp(`pid ${other.pid}`));

      // Same pid, other start time: the locking agent is gone and its pid was reused.
      writeFileSync(path, `${other.pid} ${Number(stat.startTime) - 1}\n`);
      const release = acquireLock(path);
      expect(readFileSync(path, "utf8")).toMatch(new RegExp(`^${process.pid} `));
      release();
    } finally {
      other.kill("SIGKILL");
    }
  });
});
