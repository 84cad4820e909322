import { describe, expect, it } from "vitest";
import { journalLine } from "./journal-line";
import { execedThenExited, parseUnixTimestamp, unitStatus } from "./unit-status";

describe("unit status from systemctl show", () => {
  it("tells a service that ran and exited (a crash) from one whose setup failed (systemd's 2xx codes)", () => {
    expect(execedThenExited({ ExecMainCode: "1", ExecMainStatus: "7" })).toBe(true);
    expect(execedThenExited({ ExecMainCode: "2", ExecMainStatus: "9" })).toBe(true);
    expect(execedThenExited({ ExecMainCode: "1", ExecMainStatus: "203" })).toBe(false);
    expect(execedThenExited({ ExecMainCode: "1", ExecMainStatus: "226" })).toBe(false);
    expect(execedThenExited({ ExecMainCode: "0", ExecMainStatus: "0" })).toBe(false);
  });

  it("is undefined for a unit systemd does not know", () => {
    expect(unitStatus({ LoadState: "not-found", ActiveState: "inactive" })).toBeUndefined();
  });

  it("maps a running unit with its main pid", () => {
    expect(
      unitStatus({ LoadState: "loaded", ActiveState: "active", SubState: "running", MainPID: "4242", NRestarts: "2", StateChangeTimestamp: "@1700000000" }),
    ).toEqual({ state: "running", pids: [4242], since: new Date(1_700_000_000_000), restarts: 2 });
  });

  it("maps auto-restart to backoff, with the last exit code", () => {
    const st = unitStatus({
      LoadState: "loaded",
      ActiveState: "activating",
      SubState: "auto-restart",
      MainPID: "0",
      NRestarts: "3",
      ExecMainCode: "1",
      ExecMainStatus: "3",
      ExecMainExitTimestamp: "@1700000001",
    });
    expect(st).toMatchObject({ state: "backoff", pids: [], restarts: 3, lastExit: { code: 3, signal: null } });
  });

  it("names the signal that killed the main process", () => {
    const st = unitStatus({ LoadState: "loaded", ActiveState: "failed", SubState: "failed", ExecMainCode: "2", ExecMainStatus: "9", ExecMainExitTimestamp: "@1700000002" });
    expect(st).toMatchObject({ state: "failed", lastExit: { code: null, signal: "SIGKILL" } });
  });

  it("says why a unit failed: the start limit's crash loop, or systemd's result", () => {
    const failed = { LoadState: "loaded", ActiveState: "failed", SubState: "failed", ExecMainCode: "1", ExecMainStatus: "1", ExecMainExitTimestamp: "@1700000002" };
    expect(unitStatus({ ...failed, Result: "start-limit-hit" }, { burst: 5, intervalMs: 60_000 })?.reason).toMatch(
      /^crashed 5 times within 60 s; last exit code 1 — .*start it again/,
    );
    // systemd 252 keeps the last run's result when the start limit ends the restarts.
    expect(unitStatus({ ...failed, Result: "exit-code", NRestarts: "2" }, { burst: 3, intervalMs: 30_000 })?.reason).toMatch(/^crashed 3 times within 30 s; last exit code 1 — /);
    expect(unitStatus({ ...failed, Result: "exit-code", NRestarts: "0" }, { burst: 3, intervalMs: 30_000 })?.reason).toMatch(/result "exit-code"/);
    expect(unitStatus({ ...failed, Result: "timeout" })?.reason).toMatch(/result "timeout".*last exit code 1/);
    expect(unitStatus({ ...failed, SubState: "running", ActiveState: "active", Result: "success" })?.reason).toBeUndefined();
  });

  it("maps inactive to stopped and parses unset timestamps as absent", () => {
    expect(unitStatus({ LoadState: "loaded", ActiveState: "inactive", SubState: "dead" })?.state).toBe("stopped");
    expect(parseUnixTimestamp("")).toBeUndefined();
    expect(parseUnixTimestamp("n/a")).toBeUndefined();
  });
});

describe("journal entries as log lines", () => {
  it("decodes text and binary messages, time and an error priority", () => {
    expect(journalLine({ MESSAGE: "hello", PRIORITY: "6", __REALTIME_TIMESTAMP: "1700000000123456" })).toEqual({
      time: new Date(1_700_000_000_123),
      line: "hello",
      stream: "stdout",
    });
    expect(journalLine({ MESSAGE: [104, 105, 0xc3, 0xbc], PRIORITY: "3" })).toMatchObject({ line: "hiü", stream: "stderr" });
  });
});
