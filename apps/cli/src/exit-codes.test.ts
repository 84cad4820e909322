import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { EXIT_CODE_HELP, ExitCode, connectCodeFromName, exitCodeForConnectCode, exitCodeForHttpStatus } from "./exit-codes";

describe("exit codes", () => {
  it("are distinct and all documented in --help", () => {
    const values = Object.values(ExitCode);
    expect(new Set(values).size).toBe(values.length);
    expect(EXIT_CODE_HELP.map(([code]) => code).sort((a, b) => a - b)).toEqual([...values].sort((a, b) => a - b));
  });

  it("map the console's HTTP statuses", () => {
    expect(exitCodeForHttpStatus(200)).toBe(ExitCode.Ok);
    expect(exitCodeForHttpStatus(401)).toBe(ExitCode.Auth);
    expect(exitCodeForHttpStatus(403)).toBe(ExitCode.Auth);
    expect(exitCodeForHttpStatus(404)).toBe(ExitCode.NotFound);
    expect(exitCodeForHttpStatus(503)).toBe(ExitCode.Unreachable);
    expect(exitCodeForHttpStatus(502)).toBe(ExitCode.Unreachable);
    for (const status of [400, 409, 413, 415, 500]) expect(exitCodeForHttpStatus(status)).toBe(ExitCode.Failure);
  });

  it("map Connect codes", () => {
    expect(exitCodeForConnectCode(Code.Unauthenticated)).toBe(ExitCode.Auth);
    expect(exitCodeForConnectCode(Code.PermissionDenied)).toBe(ExitCode.Auth);
    expect(exitCodeForConnectCode(Code.NotFound)).toBe(ExitCode.NotFound);
    expect(exitCodeForConnectCode(Code.Unavailable)).toBe(ExitCode.Unreachable);
    expect(exitCodeForConnectCode(Code.Aborted)).toBe(ExitCode.Busy);
    for (const code of [Code.FailedPrecondition, Code.InvalidArgument, Code.ResourceExhausted, Code.Internal, Code.Unknown, Code.Canceled]) {
      expect(exitCodeForConnectCode(code)).toBe(ExitCode.Failure);
    }
  });

  it("read every snake_case code name the upload route can send", () => {
    // The console writes Code[code] in snake_case (failed_precondition); every code must come back.
    const names = Object.values(Code).filter((v): v is Code => typeof v === "number");
    for (const code of names) {
      const snake = Code[code].replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : `_${c.toLowerCase()}`));
      expect(connectCodeFromName(snake), snake).toBe(code);
    }
    expect(connectCodeFromName("no_such_code")).toBeUndefined();
  });
});
