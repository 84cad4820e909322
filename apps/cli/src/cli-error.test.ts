import { Code, ConnectError } from "@connectrpc/connect";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { CliError, fetchFailure, fromConnectError, toCliError } from "./cli-error";
import { ExitCode } from "./exit-codes";

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe("errors", () => {
  it("turn a refused connection into exit 5 with the socket's reason", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const err = await fetch(url).catch((e: unknown) => e);
    const cli = fetchFailure(url, err);
    expect(cli.exitCode).toBe(ExitCode.Unreachable);
    expect(cli.message).toBe(`cannot reach the console at ${url}: connect ECONNREFUSED ${url.slice("http://".length)}`);
  });

  it("describe Connect errors with what was being done", () => {
    const url = "http://c";
    expect(fromConnectError(new ConnectError("no package named x", Code.NotFound), url, "removing x")).toMatchObject({
      exitCode: ExitCode.NotFound,
      message: "removing x failed: no package named x",
    });
    const auth = fromConnectError(new ConnectError("sign in first", Code.Unauthenticated), url, "listing");
    expect(auth.exitCode).toBe(ExitCode.Auth);
    expect(auth.message).toMatch(/the console refused the API token \(sign in first\); run `sysward login/);
    expect(fromConnectError(new ConnectError("viewers have read-only access", Code.PermissionDenied), url, "x")).toMatchObject({
      exitCode: ExitCode.Auth,
      message: "not allowed: viewers have read-only access",
    });
    expect(fromConnectError(new ConnectError("the agent is not answering", Code.Unavailable), url, "listing").exitCode).toBe(ExitCode.Unreachable);
    expect(fromConnectError(new ConnectError("an install of x is running", Code.Aborted), url, "installing").exitCode).toBe(ExitCode.Busy);
  });

  it("report Ctrl-C as an interruption whatever the aborted call threw, and keep CliErrors as they are", () => {
    expect(toCliError(new ConnectError("aborted", Code.Canceled), { interrupted: true })).toMatchObject({ exitCode: ExitCode.Interrupted });
    const own = new CliError(ExitCode.Usage, "bad");
    expect(toCliError(own)).toBe(own);
    expect(toCliError(new Error("boom"))).toMatchObject({ exitCode: ExitCode.Failure, message: "unexpected error: boom" });
  });
});
