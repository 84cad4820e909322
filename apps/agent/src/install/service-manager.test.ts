// The service manager with the real supervisor runtime: real ZIPs, real child processes, real
// files. (The same flows run over the agent's socket in rpc/install.integration.test.ts.)
import { Code, ConnectError } from "@connectrpc/connect";
import { DomainError, type DomainErrorKind } from "../domain-error";
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SupervisorRuntime } from "../runtime/supervisor/supervisor-runtime";
import { waitFor } from "../runtime/testing/wait-for";
import { ServiceManager, type ServiceManagerOptions } from "./service-manager";
import type { LogLine } from "../runtime/runtime";
import { chunked, freePort, nodeHttpServiceZip, shellBodies, shellServiceZip } from "./testing/package-fixtures";
import { killPackageProcesses, runningVersions } from "./testing/package-processes";
import { buildZip, hideFromCentralDirectory } from "./testing/zip-builder";

let root: string;
let packagesDir: string;
let stagingDir: string;
let runtimes: SupervisorRuntime[];
let managers: ServiceManager[];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "sysward-mgr-"));
  packagesDir = join(root, "packages");
  stagingDir = join(root, "staging");
  runtimes = [];
  managers = [];
});

afterEach(async () => {
  for (const m of managers) await m.close();
  for (const r of runtimes) await r.close();
  killPackageProcesses(packagesDir);
  rmSync(root, { recursive: true, force: true });
});

async function makeManager(extra: Partial<ServiceManagerOptions> = {}, startLimit?: { burst: number; intervalMs: number }): Promise<ServiceManager> {
  const runtime = new SupervisorRuntime({
    stateDir: join(root, "runtime"),
    startLimit,
    backoff: { initialMs: 100, maxMs: 400 },
    tickMs: 50,
    logPollMs: 50,
    sandbox: "off",
  });
  runtimes.push(runtime);
  const m = new ServiceManager({
    packagesDir,
    stagingDir,
    runtime,
    maxPackageBytes: 1024 * 1024,
    defaultHealthSeconds: 1,
    healthPollMs: 50,
    probeGraceMs: 3000,
    ...extra,
  });
  managers.push(m);
  await m.init();
  return m;
}

const install = (m: ServiceManager, name: string, zip: Buffer, healthSeconds = 1) =>
  m.install({ name, healthSeconds }, chunked(zip, 100));

async function failure(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

async function collect(it: AsyncIterable<LogLine>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(l.line);
  return out;
}

const stagingLeft = () => readdirSync(stagingDir);

describe("ServiceManager", () => {
  it("installs, upgrades, rolls back a broken version with its log lines, and removes", async () => {
    const m = await makeManager();
    const v1 = await install(m, "web", shellServiceZip("web", shellBodies.steady("v1")));
    expect(v1.service.state).toBe("running");
    expect(v1.service.version?.id).toMatch(/^1-[0-9a-f]{8}$/);
    expect(v1.service.pids.length).toBe(1);
    expect(v1.service.phase).toBe("running");
    expect(v1.previousVersion).toBeUndefined();
    const pkg = join(packagesDir, "web");
    expect(readlinkSync(join(pkg, "current"))).toBe(`versions/${v1.service.version!.id}`);
    expect(existsSync(join(pkg, "journal.json"))).toBe(false);
    expect(stagingLeft()).toEqual([]);
    await waitFor(async () => (await collect(m.logs("web", { tail: 10, follow: false }))).includes("v1 started"), "v1's output in its log");

    const v2 = await install(m, "web", shellServiceZip("web", shellBodies.steady("v2")));
    expect(v2.previousVersion).toBe(v1.service.version!.id);
    expect(v2.service.version?.id).toMatch(/^2-/);
    expect(v2.service.pids).not.toEqual(v1.service.pids);
    expect(runningVersions(packagesDir, "web")).toEqual([v2.service.version!.id]);

    const err = await failure(install(m, "web", shellServiceZip("web", shellBodies.broken("v3", 3, 3))));
    expect(err.kind).toBe("failed-precondition");
    expect(err.message).toMatch(/version 3-[0-9a-f]{8} of web failed its health check: it (exited|crashed).*exit code 3/);
    expect(err.message).toMatch(/rolled back to 2-/);
    for (const i of [1, 2, 3]) expect(err.message).toContain(`v3 failing line ${i}`);
    const after = await m.get("web");
    expect(after.version?.id).toBe(v2.service.version!.id);
    expect(after.phase).toBe("rolled-back");
    expect(after.state).toBe("running");
    expect(readlinkSync(join(pkg, "current"))).toBe(`versions/${v2.service.version!.id}`);
    expect(readdirSync(join(pkg, "versions")).sort()).toEqual([v1.service.version!.id, v2.service.version!.id].sort());
    await waitFor(() => runningVersions(packagesDir, "web").join() === v2.service.version!.id, "only v2 running");

    await m.remove("web");
    expect(existsSync(pkg)).toBe(false);
    expect((await failure(m.get("web"))).kind).toBe("not-found");
    await waitFor(() => runningVersions(packagesDir, "web").length === 0, "no web process");
    expect((await failure(m.remove("web"))).kind).toBe("not-found");
  });

  it("a first install that fails leaves nothing running and the name free", async () => {
    const m = await makeManager();
    const err = await failure(install(m, "bad", shellServiceZip("bad", shellBodies.broken("bad", 2, 1))));
    expect(err.kind).toBe("failed-precondition");
    expect(err.message).toMatch(/nothing was left installed/);
    expect(err.message).toContain("bad failing line 2");
    expect(existsSync(join(packagesDir, "bad"))).toBe(false);
    expect((await failure(m.get("bad"))).kind).toBe("not-found");
    expect(await m.list()).toEqual([]);
    expect(runningVersions(packagesDir, "bad")).toEqual([]);
    // The name is free: a good package installs.
    const ok = await install(m, "bad", shellServiceZip("bad", shellBodies.steady("good")), 0);
    expect(ok.service.state).toBe("running");
  });

  it("a second install of the same name fails at once with Aborted; other names proceed", async () => {
    const m = await makeManager();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const zip = shellServiceZip("slow", shellBodies.steady("slow"));
    async function* held() {
      yield zip.subarray(0, 10);
      await gate;
      yield zip.subarray(10);
    }
    const first = m.install({ name: "slow", healthSeconds: 0 }, held());
    await waitFor(async () => (await m.get("slow").catch(() => undefined))?.phase === "receiving", "the first install to be receiving");
    const err = await failure(install(m, "slow", zip, 0));
    expect(err.kind).toBe("aborted");
    expect(err.message).toBe("install of slow already in progress");
    expect((await failure(m.remove("slow"))).kind).toBe("aborted");
    const other = await install(m, "other", shellServiceZip("other", shellBodies.steady("o")), 0);
    expect(other.service.state).toBe("running");
    release();
    expect((await first).service.state).toBe("running");
  });

  it("shows the phase while an install runs, and the health window counting down", async () => {
    const m = await makeManager();
    const seen = new Set<string>();
    const p = install(m, "watch", shellServiceZip("watch", shellBodies.steady("w")), 2);
    let done = false;
    void p.finally(() => (done = true));
    while (!done) {
      const s = await m.get("watch").catch(() => undefined);
      if (s?.phase) seen.add(`${s.phase}${s.phase === "health" && /s left$/.test(s.phaseDetail) ? ":countdown" : ""}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await p;
    expect(seen.has("health:countdown")).toBe(true);
    expect((await m.get("watch")).phase).toBe("running");
  });

  it("keeps the last 3 versions and rolls back through them", async () => {
    const m = await makeManager();
    const ids: string[] = [];
    for (const tag of ["a", "b", "c", "d"]) {
      ids.push((await install(m, "keep", shellServiceZip("keep", shellBodies.steady(tag)), 0)).service.version!.id);
    }
    const versionsDir = join(packagesDir, "keep", "versions");
    expect(readdirSync(versionsDir).sort()).toEqual(ids.slice(1).sort());
    expect((await m.get("keep")).keptVersions.map((v) => v.id)).toEqual([ids[3], ids[2], ids[1]]);

    const back = await m.rollback("keep");
    expect(back.previousVersion).toBe(ids[3]);
    expect(back.service.version?.id).toBe(ids[2]);
    expect(back.service.state).toBe("running");
    await waitFor(() => runningVersions(packagesDir, "keep").join() === ids[2], "the rolled-back version running alone");
    expect(readlinkSync(join(packagesDir, "keep", "current"))).toBe(`versions/${ids[2]}`);

    const again = await m.rollback("keep");
    expect(again.service.version?.id).toBe(ids[1]);
    expect((await failure(m.rollback("keep"))).kind).toBe("failed-precondition");
    expect((await failure(m.rollback("keep", ids[0]))).kind).toBe("not-found");
    const forward = await m.rollback("keep", ids[3]);
    expect(forward.service.version?.id).toBe(ids[3]);
  });

  it("stops, starts and restarts, and remembers the desired state across a restart of the agent", async () => {
    const m = await makeManager();
    const first = await install(m, "ctl", shellServiceZip("ctl", shellBodies.steady("c")), 0);
    const stopped = await m.stop("ctl");
    expect(stopped.state).toBe("stopped");
    expect(stopped.enabled).toBe(false);
    expect(runningVersions(packagesDir, "ctl")).toEqual([]);
    const started = await m.start("ctl");
    expect(started.state).toBe("running");
    const restarted = await m.restart("ctl");
    expect(restarted.pids).not.toEqual(started.pids);
    expect(restarted.pids.length).toBe(1);
    await m.stop("ctl");

    // A new agent on the same dirs: the stopped service stays stopped, the running one is adopted.
    await install(m, "up", shellServiceZip("up", shellBodies.steady("u")), 0);
    const upPids = (await m.get("up")).pids;
    await m.close();
    await runtimes[0]!.close();
    const m2 = await makeManager();
    expect((await m2.get("ctl")).state).toBe("stopped");
    expect((await m2.get("ctl")).version?.id).toBe(first.service.version!.id);
    const up = await m2.get("up");
    expect(up.state).toBe("running");
    expect(up.pids).toEqual(upPids);
  });

  it("runs a Node HTTP service from a manifest and gates the install on its probe", async () => {
    const m = await makeManager();
    const port = await freePort();
    const res = await install(m, "api", nodeHttpServiceZip("api", { port, body: "v1 says hi" }), 1);
    expect(res.service.state).toBe("running");
    const text = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(text).toBe("v1 says hi");

    const err = await failure(install(m, "api", nodeHttpServiceZip("api", { port, unhealthy: true }), 1));
    expect(err.kind).toBe("failed-precondition");
    expect(err.message).toMatch(/health probe GET http:\/\/127\.0\.0\.1:\d+\/healthz did not pass \(HTTP 500\)/);
    expect(err.message).toMatch(/listening on/);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text()).catch(() => "")) === "v1 says hi", "v1 serving again");
  });

  it("refuses bad packages before touching the running version", async () => {
    const m = await makeManager({ maxPackageBytes: 4096 });
    const good = await install(m, "svc", shellServiceZip("svc", shellBodies.steady("g")), 0);
    const pid = good.service.pids[0];

    const cases: Array<[Buffer, DomainErrorKind, RegExp]> = [
      [buildZip([{ name: "svc", data: "#!/bin/sh\n" }, { name: "../escape", data: "x" }]), "invalid-argument", /"\.\.\/escape".*escapes/],
      [buildZip([{ name: "other", data: "#!/bin/sh\n" }]), "invalid-argument", /no executable "svc"/],
      [buildZip([{ name: "svc/", dir: true }, { name: "svc/x", data: "#!/bin/sh\n" }]), "invalid-argument", /"svc" is a directory/],
      [buildZip([{ name: "svc", data: "just text" }]), "invalid-argument", /neither an ELF binary nor a script/],
      [buildZip([{ name: "svc", data: "#!/bin/sh\n" }, { name: "sysward.json", data: '{"exec":"nope"}' }]), "invalid-argument", /no executable "nope"/],
      [buildZip([{ name: "svc", data: Buffer.alloc(10_000, 1), method: "store" }]), "resource-exhausted", /4096-byte limit/],
    ];
    for (const [zip, code, message] of cases) {
      const err = await failure(install(m, "svc", zip, 0));
      expect(err.kind, err.message).toBe(code);
      expect(err.message).toMatch(message);
      const now = await m.get("svc");
      expect(now.pids).toEqual([pid]);
      expect(now.phase).toBe("failed");
      expect(readdirSync(join(packagesDir, "svc", "versions"))).toEqual([good.service.version!.id]);
      expect(stagingLeft()).toEqual([]);
    }
    const shaErr = await failure(m.install({ name: "svc", sha256: "0".repeat(64) }, chunked(shellServiceZip("svc", "sleep 9"))));
    expect(shaErr.kind).toBe("invalid-argument");
    expect(shaErr.message).toMatch(/sha256 is [0-9a-f]{64}, not the 0{64}/);
    // The package-name rule is shared with the console and CLI (@sysward/contract).
    expect((await failure(m.install({ name: "bad-name" }, chunked(Buffer.alloc(1))))).kind).toBe("invalid-argument");
    expect((await failure(m.install({ name: "big", sizeBytes: 5000 }, chunked(Buffer.alloc(1))))).kind).toBe("resource-exhausted");
    expect(existsSync(join(packagesDir, "big"))).toBe(false);
  });

  it("passes header args and env over the manifest's", async () => {
    const m = await makeManager();
    const zip = shellServiceZip("envy", 'echo "args=$* A=$A B=$B"; while :; do sleep 1; done', {
      manifest: { args: ["from-manifest"], env: { A: "manifest", B: "manifest" } },
    });
    await m.install({ name: "envy", healthSeconds: 0, args: ["x", "y"], env: { B: "header" } }, chunked(zip));
    await waitFor(
      async () => (await collect(m.logs("envy", { tail: 5, follow: false }))).includes("args=x y A=manifest B=header"),
      "the service to print its args and env",
    );
    expect(JSON.parse(readFileSync(join(packagesDir, "envy", "service.json"), "utf8")).versions[0].exec).toBe("bin/run");
  });
});

describe("manifest limits", () => {
  it("reach the runtime's spec and are kept in service.json (which restarts read)", async () => {
    const m = await makeManager();
    const runtime = runtimes[0]!;
    const specs: Array<{ name: string; limits?: unknown }> = [];
    const start = runtime.start.bind(runtime);
    runtime.start = (spec) => {
      specs.push({ name: spec.name, limits: spec.limits });
      return start(spec);
    };
    const zip = buildZip([
      { name: "sysward.json", data: JSON.stringify({ exec: "run", limits: { memoryMaxBytes: 64 * 1024 * 1024, cpuQuotaPercent: 25 } }) },
      { name: "run", data: "#!/bin/sh\nexec sleep 60\n", mode: 0o755 },
    ]);
    await install(m, "limited", zip, 0);
    expect(specs).toEqual([{ name: "limited", limits: { memoryMaxBytes: 64 * 1024 * 1024, cpuQuotaPercent: 25 } }]);
    const record = JSON.parse(readFileSync(join(packagesDir, "limited", "service.json"), "utf8")) as { versions: Array<{ limits?: unknown }> };
    expect(record.versions[0]?.limits).toEqual({ memoryMaxBytes: 64 * 1024 * 1024, cpuQuotaPercent: 25 });
  });
});


describe("extraction while the upload arrives", () => {
  const partials = (name: string) => readdirSync(join(packagesDir, name, "versions")).filter((d) => d.startsWith(".partial-"));
  const svc = { name: "svc", data: "#!/bin/sh\nexec sleep 60\n", mode: 0o100755 };

  it("installs only what the central directory lists, even when a hidden local entry was streamed", async () => {
    const m = await makeManager();
    const zip = hideFromCentralDirectory(buildZip([{ ...svc, name: "hid" }, { name: "hidden", data: "surprise" }]), "hidden");
    const res = await install(m, "hid", zip);
    expect(res.service.state).toBe("running");
    const dir = join(packagesDir, "hid", "current");
    expect(readdirSync(dir).sort()).toEqual(["hid"]);
    expect(partials("hid")).toEqual([]);
  });

  it("refuses a local header that names another file, leaving no partial directory behind", async () => {
    const m = await makeManager();
    await install(m, "keep", buildZip([{ ...svc, name: "keep" }]));
    const err = await failure(install(m, "keep", buildZip([{ ...svc, name: "keep" }, { name: "a", localName: "b", data: "x" }])));
    expect(err.kind).toBe("invalid-argument");
    expect(err.message).toMatch(/local header names a different file/);
    expect(partials("keep")).toEqual([]);
    expect(stagingLeft()).toEqual([]);
  });

  it("an upload that breaks off mid-entry leaves no partial directory and no staging file", async () => {
    const m = await makeManager();
    await install(m, "cut", buildZip([{ ...svc, name: "cut" }]));
    const big = buildZip([{ ...svc, name: "cut" }, { name: "big", data: Buffer.alloc(400_000, 7), method: "store" }]);
    async function* breaksOff() {
      yield big.subarray(0, 200_000);
      throw gone;
    }
    // Whatever the upload's stream throws comes out unchanged.
    const gone = new ConnectError("the client went away", Code.Canceled);
    expect(await m.install({ name: "cut", healthSeconds: 1 }, breaksOff()).then(() => undefined, (e: unknown) => e)).toBe(gone);
    expect(partials("cut")).toEqual([]);
    expect(stagingLeft()).toEqual([]);
  });
});

describe("a crash loop the runtime gives up on", () => {
  it("shows as failed with why and what to do (state_detail), until a restart runs it again", async () => {
    const m = await makeManager({}, { burst: 3, intervalMs: 20_000 });
    // Up through the 1 s health window (with a second to spare on a loaded machine), then crashing every ~2 s.
    await install(m, "loop", shellServiceZip("loop", shellBodies.crashesAfter("loop", 2)), 1);
    const failed = await waitFor(async () => {
      const v = await m.get("loop");
      return v.state === "failed" ? v : undefined;
    }, "the crash loop to be given up on", { timeoutMs: 40_000 });
    expect(failed.stateDetail).toMatch(/crashed 3 times within 20 s.*start it again/);
    expect(failed.pids).toEqual([]);
    await m.restart("loop");
    const again = await m.get("loop");
    expect(again.state).toBe("running");
    expect(again.stateDetail).toBe("");
  }, 60_000);
});
