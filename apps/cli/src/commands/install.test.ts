import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli";
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

describe("install's request", () => {
  // A stand-in console on a real socket: it keeps the raw multipart body and answers with a result line.
  let dir: string;
  let server: Server;
  let url: string;
  let received: { headers: Record<string, string | string[] | undefined>; body: Buffer } | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sysward-cli-install-"));
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => {
        received = { headers: req.headers, body: Buffer.concat(parts) };
        res.writeHead(200, { "content-type": "application/x-ndjson" });
        res.end(`${JSON.stringify({ type: "result", ok: true, service: { name: "hello", version: "1-aa", state: "running", pids: [7] } })}\n`);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("declares the ZIP's size in a sizeBytes field that comes before the file part", async () => {
    const zip = randomBytes(300_000);
    const path = join(dir, "hello.zip");
    writeFileSync(path, zip);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const io = { env: { XDG_CONFIG_HOME: dir, SYSWARD_URL: url, SYSWARD_TOKEN: "swt_test" }, stdin: new PassThrough(), stdout, stderr, signal: new AbortController().signal };
    const code = await runCli(["install", "local", "hello", path, "--health", "5"], io);
    expect(code, String(stderr.read() ?? "")).toBe(ExitCode.Ok);

    const { headers, body } = received!;
    expect(Number(headers["content-length"])).toBe(body.length);
    // undici's multipart parser is the independent reader; FormData keeps the parts' order.
    const form = await new Response(body, { headers: { "content-type": String(headers["content-type"]) } }).formData();
    expect([...form.keys()]).toEqual(["name", "healthSeconds", "sizeBytes", "package"]);
    expect(form.get("sizeBytes")).toBe(String(zip.length));
    expect(Buffer.from(await (form.get("package") as File).arrayBuffer()).equals(zip)).toBe(true);
  });
});
