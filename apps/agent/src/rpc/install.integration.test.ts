// The installer over the REAL agent's socket: real ZIPs built here, real child processes.
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { AgentService, InstallPhase, LogStream, ServiceState } from "@sysward/proto";
import { existsSync, lstatSync, readdirSync, readlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shellBodies, shellServiceZip } from "../install/testing/package-fixtures";
import { killPackageProcesses, runningVersions } from "../install/testing/package-processes";
import { installVia } from "../install/testing/install-via";
import { buildZip, type ZipEntrySpec } from "../install/testing/zip-builder";
import { waitFor } from "../runtime/testing/wait-for";
import { startTestAgent, type TestAgent } from "./testing/start-test-agent";

type AgentClient = Client<typeof AgentService>;

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
}

/** Every path under the data dir, except the socket and files the agent rewrites on its own. */
function dataTree(dataDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      out.push(relative(dataDir, p));
      if (lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(dataDir);
  return out.filter((p) => !p.startsWith("runtime") && !p.startsWith("history")).sort();
}

describe("install and service RPCs over the agent's socket", () => {
  let agent: TestAgent;
  let client: AgentClient;
  let packagesDir: string;

  beforeAll(async () => {
    agent = await startTestAgent();
    client = agent.client("connect");
    packagesDir = join(agent.dataDir, "packages");
  });

  afterAll(async () => {
    await agent?.stop();
    if (packagesDir) killPackageProcesses(packagesDir);
    agent?.cleanup();
  });

  it("install → running → logs → upgrade → broken upgrade rolled back with its log lines → rollback → remove", async () => {
    const v1 = await installVia(client, { name: "hello", healthSeconds: 1 }, shellServiceZip("hello", shellBodies.steady("v1")));
    expect(v1.service?.state).toBe(ServiceState.RUNNING);
    expect(v1.service?.phase).toBe(InstallPhase.RUNNING);
    expect(v1.service?.version?.id).toMatch(/^1-[0-9a-f]{8}$/);
    expect(v1.service?.version?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(v1.service?.pids.length).toBe(1);
    expect(v1.service?.runtime).toBe("supervisor");
    expect(v1.previousVersion).toBe("");

    // Logs: its output, both streams.
    const lines = await waitFor(async () => {
      const got: Array<{ line: string; stream: LogStream }> = [];
      for await (const l of client.logs({ name: "hello", tailLines: 20 })) got.push({ line: l.line, stream: l.stream });
      return got.some((l) => l.line === "v1 started") && got.some((l) => l.line === "v1 stderr") ? got : undefined;
    }, "hello's output in Logs");
    expect(lines.find((l) => l.line === "v1 stderr")?.stream).toBe(LogStream.STDERR);

    const v2 = await installVia(client, { name: "hello", healthSeconds: 1 }, shellServiceZip("hello", shellBodies.steady("v2")));
    expect(v2.previousVersion).toBe(v1.service!.version!.id);
    expect(v2.service?.version?.id).toMatch(/^2-/);
    expect(runningVersions(packagesDir, "hello")).toEqual([v2.service!.version!.id]);

    const err = await failure(installVia(client, { name: "hello", healthSeconds: 2 }, shellServiceZip("hello", shellBodies.broken("v3", 4, 5))));
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.rawMessage).toMatch(/failed its health check/);
    expect(err.rawMessage).toMatch(new RegExp(`rolled back to ${v2.service!.version!.id}`));
    for (const i of [1, 2, 3, 4]) expect(err.rawMessage).toContain(`v3 failing line ${i}`);

    const got = (await client.getService({ name: "hello" })).service!;
    expect(got.version?.id).toBe(v2.service!.version!.id);
    expect(got.phase).toBe(InstallPhase.ROLLED_BACK);
    expect(got.state).toBe(ServiceState.RUNNING);
    expect(got.enabled).toBe(true);
    expect(got.keptVersions.map((v) => v.id)).toEqual([v2.service!.version!.id, v1.service!.version!.id]);
    expect(readlinkSync(join(packagesDir, "hello", "current"))).toBe(`versions/${v2.service!.version!.id}`);
    await waitFor(() => runningVersions(packagesDir, "hello").join() === v2.service!.version!.id, "only v2 running");

    const back = await client.rollback({ name: "hello" });
    expect(back.previousVersion).toBe(v2.service!.version!.id);
    expect(back.service?.version?.id).toBe(v1.service!.version!.id);
    await waitFor(() => runningVersions(packagesDir, "hello").join() === v1.service!.version!.id, "only v1 running after Rollback");

    const list = await client.listServices({});
    expect(list.services.map((s) => s.name)).toContain("hello");

    await client.remove({ name: "hello" });
    expect(existsSync(join(packagesDir, "hello"))).toBe(false);
    expect((await failure(client.getService({ name: "hello" }))).code).toBe(Code.NotFound);
    expect((await failure(client.remove({ name: "hello" }))).code).toBe(Code.NotFound);
    await waitFor(() => runningVersions(packagesDir, "hello").length === 0, "no hello process left");
    expect(readdirSync(join(agent.dataDir, "staging"))).toEqual([]);
  });

  it("stops, starts and restarts a service", async () => {
    await installVia(client, { name: "ctl", healthSeconds: 0 }, shellServiceZip("ctl", shellBodies.steady("c")));
    const stopped = (await client.stopService({ name: "ctl" })).service!;
    expect(stopped.state).toBe(ServiceState.STOPPED);
    expect(stopped.enabled).toBe(false);
    const started = (await client.startService({ name: "ctl" })).service!;
    expect(started.state).toBe(ServiceState.RUNNING);
    const restarted = (await client.restartService({ name: "ctl" })).service!;
    expect(restarted.pids).not.toEqual(started.pids);
    // CPU and memory come from the perf collector's cached sample.
    const withPerf = await waitFor(async () => {
      const s = (await client.getService({ name: "ctl" })).service!;
      return s.rssBytes > 0n ? s : undefined;
    }, "GetService to report the service's RSS");
    expect(withPerf.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(withPerf.since).toBeDefined();
    expect((await failure(client.startService({ name: "nosuch" }))).code).toBe(Code.NotFound);
    expect((await failure(client.getService({ name: "bad name" }))).code).toBe(Code.InvalidArgument);
    await client.remove({ name: "ctl" });
  });

  it("a concurrent Install of the same name fails at once with Aborted; other names proceed", async () => {
    const zip = shellServiceZip("busy", shellBodies.steady("busy"));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow() {
      yield { msg: { case: "header" as const, value: { name: "busy", healthSeconds: 0 } } };
      yield { msg: { case: "chunk" as const, value: zip.subarray(0, 20) } };
      await gate;
      yield { msg: { case: "chunk" as const, value: zip.subarray(20) } };
    }
    const first = client.install(slow());
    await waitFor(
      async () => (await client.getService({ name: "busy" }).catch(() => undefined))?.service?.phase === InstallPhase.RECEIVING,
      "the first install to be receiving",
    );
    const err = await failure(installVia(client, { name: "busy", healthSeconds: 0 }, zip));
    expect(err.code).toBe(Code.Aborted);
    expect(err.rawMessage).toBe("install of busy already in progress");
    const other = await installVia(client, { name: "idle", healthSeconds: 0 }, shellServiceZip("idle", shellBodies.steady("i")));
    expect(other.service?.state).toBe(ServiceState.RUNNING);
    release();
    expect((await first).service?.state).toBe(ServiceState.RUNNING);
    await client.remove({ name: "busy" });
    await client.remove({ name: "idle" });
  });

  it("an upload the client abandons leaves no staging file and frees the name", async () => {
    const zip = shellServiceZip("gone", shellBodies.steady("gone"));
    const ac = new AbortController();
    async function* abandoned() {
      yield { msg: { case: "header" as const, value: { name: "gone", healthSeconds: 0 } } };
      yield { msg: { case: "chunk" as const, value: zip.subarray(0, 20) } };
      await waitFor(() => readdirSync(join(agent.dataDir, "staging")).length === 1, "the staging file");
      ac.abort();
      await new Promise(() => {}); // the client never finishes the stream itself
    }
    const err = await failure(client.install(abandoned(), { signal: ac.signal }));
    expect(err.code).toBe(Code.Canceled);
    await waitFor(async () => (await client.getService({ name: "gone" }).catch((e: unknown) => ConnectError.from(e).code)) === Code.NotFound, "the abandoned install to be undone");
    expect(readdirSync(join(agent.dataDir, "staging"))).toEqual([]);
    expect(existsSync(join(packagesDir, "gone"))).toBe(false);
    const ok = await installVia(client, { name: "gone", healthSeconds: 0 }, zip);
    expect(ok.service?.state).toBe(ServiceState.RUNNING);
    await client.remove({ name: "gone" });
  });

  it("Logs follows new lines and ends cleanly when the client goes", async () => {
    await installVia(client, { name: "ticker", healthSeconds: 0 }, shellServiceZip("ticker", 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.1; done'));
    const ac = new AbortController();
    const seen: string[] = [];
    const err = await (async () => {
      for await (const l of client.logs({ name: "ticker", tailLines: 1, follow: true }, { signal: ac.signal })) {
        seen.push(l.line);
        if (seen.length >= 5) ac.abort();
      }
    })().catch((e: unknown) => e);
    expect(ConnectError.from(err).code).toBe(Code.Canceled);
    const n = seen.map((l) => Number(/^tick (\d+)$/.exec(l)?.[1]));
    for (let i = 1; i < n.length; i++) expect(n[i]).toBe(n[i - 1]! + 1);
    // The agent is fine afterwards.
    expect((await client.getService({ name: "ticker" })).service?.state).toBe(ServiceState.RUNNING);
    expect((await failure(collectLogs(client, "nosuch"))).code).toBe(Code.NotFound);
    await client.remove({ name: "ticker" });
  });

  it.each(["grpc", "grpc-web"] as const)("installs over %s too", async (kind) => {
    const c = agent.client(kind);
    const name = kind === "grpc" ? "viagrpc" : "viagrpcweb";
    const res = await installVia(c, { name, healthSeconds: 0 }, shellServiceZip(name, shellBodies.steady(kind)), 1000);
    expect(res.service?.state).toBe(ServiceState.RUNNING);
    await c.remove({ name });
  });

  it("refuses bad requests with honest codes", async () => {
    async function* noHeader() {
      yield { msg: { case: "chunk" as const, value: new Uint8Array([1, 2, 3]) } };
    }
    expect((await failure(client.install(noHeader()))).code).toBe(Code.InvalidArgument);
    expect((await failure(installVia(client, { name: "no-dashes" }, new Uint8Array([1])))).code).toBe(Code.InvalidArgument);
    expect((await failure(installVia(client, { name: "x".repeat(65) }, new Uint8Array([1])))).code).toBe(Code.InvalidArgument);
  });
});

describe("hostile ZIPs over the socket", () => {
  let agent: TestAgent;
  let client: AgentClient;

  beforeAll(async () => {
    // A small cap, so the size refusals need no big uploads.
    agent = await startTestAgent({ env: { SYSWARD_MAX_PACKAGE_BYTES: String(1024 * 1024) } });
    client = agent.client("connect");
  });

  afterAll(async () => {
    await agent?.stop();
    if (agent) killPackageProcesses(join(agent.dataDir, "packages"));
    agent?.cleanup();
  });

  const exe: ZipEntrySpec = { name: "evil", data: "#!/bin/sh\nsleep 60\n", mode: 0o100755 };
  const cases: Array<[string, Buffer, Code, RegExp]> = [
    ["dot-dot path", buildZip([exe, { name: "../../../../pwned", data: "x" }]), Code.InvalidArgument, /"\.\.\/\.\.\/\.\.\/\.\.\/pwned".*escapes/],
    ["absolute path", buildZip([exe, { name: "/tmp/pwned", data: "x" }]), Code.InvalidArgument, /"\/tmp\/pwned".*absolute/],
    ["backslash path", buildZip([exe, { name: "..\\..\\pwned", data: "x" }]), Code.InvalidArgument, /backslash/],
    ["drive letter", buildZip([exe, { name: "C:\\pwned", data: "x" }]), Code.InvalidArgument, /backslash|drive letter/],
    ["symlink", buildZip([exe, { name: "link", data: "/etc/passwd", mode: 0o120777 }]), Code.InvalidArgument, /"link".*symbolic link/],
    ["hard link", buildZip([exe, { name: "hard", extra: [{ id: 0x000d, data: Buffer.concat([Buffer.alloc(12), Buffer.from("evil")]) }] }]), Code.InvalidArgument, /"hard".*link/],
    ["device", buildZip([exe, { name: "dev", mode: 0o020666 }]), Code.InvalidArgument, /"dev".*character device/],
    ["FIFO", buildZip([exe, { name: "fifo", mode: 0o010666 }]), Code.InvalidArgument, /"fifo".*FIFO/],
    ["duplicate", buildZip([exe, { name: "a", data: "1" }, { name: "a", data: "2" }]), Code.InvalidArgument, /"a".*duplicate/],
    ["too many entries", buildZip([exe, ...Array.from({ length: 10_000 }, (_, i) => ({ name: `f${i}`, method: "store" as const }))]), Code.InvalidArgument, /10001 entries/],
    ["inflates past the cap", buildZip([exe, { name: "big", data: Buffer.alloc(6 * 1024 * 1024) }]), Code.InvalidArgument, /"big".*limit|ratio/],
    ["size that lies", buildZip([exe, { name: "liar", data: Buffer.alloc(100_000, 7), size: 10 }]), Code.InvalidArgument, /"liar"/],
    ["CRC error", buildZip([exe, { name: "crc", data: "hello", crc: 42 }]), Code.InvalidArgument, /"crc".*CRC/],
    ["truncated", truncated(buildZip([exe, { name: "t", data: "x".repeat(500) }]), 40), Code.InvalidArgument, /not a valid ZIP/],
    ["not a ZIP", Buffer.from("#!/bin/sh\necho hi\n"), Code.InvalidArgument, /not a valid ZIP/],
    ["empty archive", buildZip([]), Code.InvalidArgument, /empty/],
    ["missing executable", buildZip([{ name: "other", data: "#!/bin/sh\n" }]), Code.InvalidArgument, /no executable "evil"/],
    ["executable is a directory", buildZip([{ name: "evil/", dir: true }, { name: "evil/x", data: "x" }]), Code.InvalidArgument, /"evil" is a directory/],
    ["upload over SYSWARD_MAX_PACKAGE_BYTES", buildZip([exe, { name: "pad", data: Buffer.alloc(1100 * 1024, 3), method: "store" }]), Code.ResourceExhausted, /1048576-byte limit/],
  ];

  it.each(cases)("refuses %s and writes nothing outside the package dir", async (_what, zip, code, message) => {
    const before = dataTree(agent.dataDir);
    const err = await failure(installVia(client, { name: "evil", healthSeconds: 0 }, zip));
    expect(err.code, err.rawMessage).toBe(code);
    expect(err.rawMessage).toMatch(message);
    // A refused first install leaves no trace at all: not even packages/evil.
    expect(dataTree(agent.dataDir)).toEqual(before);
    expect(existsSync(join(agent.dataDir, "pwned"))).toBe(false);
    expect(existsSync(join(agent.dataDir, "..", "pwned"))).toBe(false);
    expect((await failure(client.getService({ name: "evil" }))).code).toBe(Code.NotFound);
    expect(runningVersions(join(agent.dataDir, "packages"), "evil")).toEqual([]);
  });
});

/** All but the last `cut` bytes. */
function truncated(zip: Buffer, cut: number): Buffer {
  return zip.subarray(0, zip.length - cut);
}

async function collectLogs(client: AgentClient, name: string): Promise<string[]> {
  const out: string[] = [];
  for await (const l of client.logs({ name, tailLines: 5 })) out.push(l.line);
  return out;
}
