import { describe, expect, it } from "vitest";
import { ExitCode } from "../exit-codes";
import { failureError, successText } from "./install";

const target = { agent: "local", name: "hello", zip: "hello.zip" };

describe("install results", () => {
  it("sum up a success with the version it replaced", () => {
    expect(
      successText("local", { type: "result", ok: true, service: { name: "hello", version: "2-aa", state: "running", pids: [12] }, previousVersion: "1-bb" }),
    ).toBe("installed hello on agent local: running, version 2-aa, pid 12 (replaced 1-bb)");
  });

  it("turn a failed health window into exit 1 with the log lines and what still runs", () => {
    const err = failureError(target, {
      type: "result",
      ok: false,
      code: "failed_precondition",
      message: "version 2-aa of hello failed its health check: it exited with code 3",
      logLines: ["boom", "bye"],
      previousStillRunning: true,
    });
    expect(err.exitCode).toBe(ExitCode.Failure);
    expect(err.message).toBe("install of hello on agent local failed (failed_precondition): version 2-aa of hello failed its health check: it exited with code 3");
    expect(err.details).toEqual(["last log lines:", "  boom", "  bye", "the previous version is still running"]);
  });

  it("use the code's exit status: a concurrent install is busy, an unknown agent not found", () => {
    expect(failureError(target, { type: "result", ok: false, code: "aborted", message: "an install of hello is running" }).exitCode).toBe(ExitCode.Busy);
    expect(failureError(target, { type: "result", ok: false, code: "not_found", message: "x" }).exitCode).toBe(ExitCode.NotFound);
    expect(failureError(target, { type: "result", ok: false, message: "x" })).toMatchObject({ exitCode: ExitCode.Failure, details: [] });
  });
});
