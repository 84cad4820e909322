import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readProcStat } from "../proc-stat";
import { crashLoopReason, DEFAULT_START_LIMIT } from "../start-limit";
import { describeRuntimeConformance, isAlive, killGroupOf } from "../testing/runtime-conformance";
import { createTestServices, testScripts, type TestServices } from "../testing/test-service";
import { waitFor } from "../testing/wait-for";
import { HandleStore } from "./handle-store";
import { chooseSandbox } from "../bubblewrap-sandbox";
import { SupervisorRuntime, type SupervisorRuntimeOptions } from "./supervisor-runtime";

// Fast settings: restarts within 50-400 ms, housekeeping every 50 ms.
const fast = (stateDir: string, extra: Partial<SupervisorRuntimeOptions> = {}) =>
  new SupervisorRuntime({ stateDir, backoff: { initialMs: 50, maxMs: 400 }, tickMs: 50, logPollMs: 50, sandbox: "off", ...extra });

describeRuntimeConformance("supervisor", ({ stateDir, startLimit }) => fast(stateDir, { startLimit }), { noRestartWatchMs: 600 });

const sandbox = chooseSandbox("auto");
describeRuntimeConformance("supervisor with bubblewrap sandbox", ({ stateDir, startLimit }) => fast(stateDir, { sandbox: "auto", startLimit }), {
  noRestartWatchMs: 600,
  ...(sandbox.bwrap ? {} : { skip: sandbox.detail }),
});

describe("supervisor runtime", () => {
  let services: TestServices;
  let stateDir: string;
  let runtimes: SupervisorRuntime[];
  const make = (extra: Partial<SupervisorRuntimeOptions> = {}) => {
    const rt = fast(stateDir, extra);
    runtimes.push(rt);
    return rt;
  };

  beforeEach(async () => {
    services = await createTestServices();
    stateDir = join(services.root, "runtime-state");
    runtimes = [];
  });
  afterEach(async () => {
    for (const rt of runtimes) await rt.close();
    await services.cleanup();
  });

  it("rotates logs by size while the service writes, keeping N generations", async () => {
    const rt = make({ logMaxBytes: 2_000, logKeep: 2 });
    const body = 'i=0; while :; do for j in 1 2 3 4 5 6 7 8 9 10; do i=$((i+1)); echo "line $i of the chatty service"; done; sleep 0.02; done';
    const spec = await services.write("chatty", body);
    await rt.start(spec);
    const log = join(spec.logDir, "stdout.log");
    await waitFor(() => existsSync(`${log}.2`), "two rotated generations");
    const current = readFileSync(log);
    // O_APPEND writers continue at the start of the truncated file: no hole of NUL bytes.
    expect(current.includes(0)).toBe(false);
    for (const line of current.toString("utf8").split("\n").filter(Boolean)) expect(line).toMatch(/^line \d+ of the chatty service$/);
    await rt.stop(spec.name, { timeoutMs: 2_000 });
    const files = (await readdir(spec.logDir)).filter((f) => f.startsWith("stdout.log")).sort();
    expect(files).toEqual(["stdout.log", "stdout.log.1", "stdout.log.2"]);
  });

  it("does not adopt a process whose pid matches but whose start time does not (pid reuse)", async () => {
    const rt = make();
    const spec = await services.write("reuse", testScripts.serve);
    const handle = await rt.start(spec);
    const [pid] = (await waitFor(async () => (await rt.inspect(spec.name))?.pids, "a pid"))!;
    await rt.close();
    killGroupOf(pid!);
    await waitFor(() => !isAlive(pid!), "the service to die");

    // A stranger now holds the pid the records point at (as if the kernel had reused it). Start
    // times count clock ticks (10 ms): a process born in the same tick as the service would look
    // the same, which a real reuse (after the service lived and died) never is.
    await new Promise((r) => setTimeout(r, 50));
    const stranger = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
    stranger.unref();
    try {
      const store = new HandleStore(stateDir);
      const record = store.read(spec.name)!;
      store.write({ ...record, process: { ...record.process!, pid: stranger.pid! } });
      const forged = { ...handle, state: { ...handle.state, pid: stranger.pid } };

      const next = make();
      await next.recover(forged, spec);
      const st = await waitFor(async () => {
        const s = await next.inspect(spec.name);
        return s?.state === "running" && s;
      }, "the service to run again");
      expect(st.pids[0]).not.toBe(stranger.pid);
      expect(isAlive(stranger.pid!)).toBe(true); // the stranger was neither adopted nor killed
    } finally {
      process.kill(-stranger.pid!, "SIGKILL");
    }
  });

  it("a recorded service survives an agent that is killed with SIGKILL, and is re-adopted", async () => {
    const spec = await services.write("survivor", testScripts.ticker);
    const specFile = join(services.root, "spec.json");
    await writeFile(specFile, JSON.stringify(spec));
    const fixture = fileURLToPath(new URL("./test-fixtures/agent-that-starts-a-service.ts", import.meta.url));
    const agent = spawn(process.execPath, ["--import", "tsx", fixture, stateDir, specFile], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    agent.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const handleJson = await waitFor(() => out.includes("\n") && out.split("\n")[0], "the fixture agent to start the service", { timeoutMs: 20_000 });
    const handle = JSON.parse(handleJson);
    agent.kill("SIGKILL");
    await new Promise((resolve) => agent.once("exit", resolve));

    const pid = handle.state.pid as number;
    expect(isAlive(pid)).toBe(true);
    // Its output goes straight to the log file: it keeps logging with no agent at all.
    const log = join(spec.logDir, "stdout.log");
    const size = readFileSync(log).length;
    await waitFor(() => readFileSync(log).length > size, "more output after the agent died");

    const next = make();
    await next.recover(handle, spec);
    expect((await next.inspect(spec.name))?.pids).toEqual([pid]);
    await next.stop(spec.name, { timeoutMs: 2_000 });
    expect(isAlive(pid)).toBe(false);
  });

  it("recover replaces a surviving process of another version with the requested one", async () => {
    const rt = make();
    const v1 = await services.write("mixed", testScripts.serve, { versionId: "1-aaaaaaaa" });
    const handle = await rt.start(v1);
    const [oldPid] = (await waitFor(async () => (await rt.inspect(v1.name))?.pids, "a pid"))!;
    await rt.close();
    const v2 = await services.write("mixed", testScripts.serve, { versionId: "2-bbbbbbbb" });
    const next = make();
    await next.recover(handle, v2);
    const st = await waitFor(async () => {
      const s = await next.inspect(v2.name);
      return s?.state === "running" && s;
    }, "v2 running");
    expect(st.pids[0]).not.toBe(oldPid);
    expect(isAlive(oldPid!)).toBe(false);
    expect(readProcStat(st.pids[0]!)?.state).not.toBe("Z");
  });

  it("start fails with FailedPrecondition when exec itself fails, and inspect says failed", async () => {
    const rt = make();
    const spec = await services.write("badinterp", "exit 0");
    await writeFile(spec.exec, "#!/nonexistent/interpreter\n"); // still mode 755: only execve can tell
    await expect(rt.start(spec)).rejects.toMatchObject({ kind: "failed-precondition" });
    expect((await rt.inspect(spec.name))?.state).toBe("failed");
    expect(rt.pids().has(spec.name)).toBe(false);
  });

  it("close() leaves services running and refuses further calls", async () => {
    const rt = make();
    const spec = await services.write("closing", testScripts.serve);
    await rt.start(spec);
    const [pid] = (await waitFor(async () => (await rt.inspect(spec.name))?.pids, "a pid"))!;
    await rt.close();
    expect(isAlive(pid!)).toBe(true);
    await expect(rt.start(spec)).rejects.toMatchObject({ kind: "failed-precondition" });
  });

  it("gives up on a crash loop after 5 crashes by default, the start limit the systemd units get", async () => {
    const rt = make();
    const spec = await services.write("defaultlimit", testScripts.crash(2));
    await rt.start(spec);
    const st = await waitFor(async () => {
      const s = await rt.inspect(spec.name);
      return s?.state === "failed" && s;
    }, "the start limit");
    expect(st.reason).toBe(crashLoopReason(DEFAULT_START_LIMIT, "exit code 2"));
    expect(st.restarts).toBe(4);
    expect(await services.pidsOf(spec.name)).toHaveLength(DEFAULT_START_LIMIT.burst);
  });

  it("counts the crashes an earlier agent saw: a loop straddling an agent restart still ends in failed", async () => {
    // A long first backoff, so the agent goes down while the service waits to be restarted.
    const first = make({ backoff: { initialMs: 30_000, maxMs: 30_000 }, startLimit: { burst: 2, intervalMs: 30_000 } });
    const spec = await services.write("straddle", testScripts.crash(1));
    const handle = await first.start(spec);
    await waitFor(async () => (await first.inspect(spec.name))?.state === "backoff", "the first crash");
    await first.close();

    const next = make({ startLimit: { burst: 2, intervalMs: 30_000 } });
    await next.recover(handle, spec);
    const st = await waitFor(async () => {
      const s = await next.inspect(spec.name);
      return s?.state === "failed" && s;
    }, "the second crash to trip the limit");
    expect(st.reason).toMatch(/^crashed 2 times within 30 s; last exit code 1 /);
    expect(await services.pidsOf(spec.name)).toHaveLength(2);
  });

  it("a restart that cannot even spawn counts as a crash, and the reason says so", async () => {
    const rt = make({ startLimit: { burst: 2, intervalMs: 30_000 } });
    const spec = await services.write("vanish", 'rm -f "$0"; exit 1');
    await rt.start(spec);
    const st = await waitFor(async () => {
      const s = await rt.inspect(spec.name);
      return s?.state === "failed" && s;
    }, "the start limit");
    expect(st.reason).toMatch(/^crashed 2 times within 30 s; last restart failed: .*ENOENT.* — gave up restarting it/);
    expect(await services.pidsOf(spec.name)).toHaveLength(1);
  });

  it("a failure recorded in another boot of the machine does not hold: recover starts the service", async () => {
    const limit = { burst: 1, intervalMs: 30_000 };
    const rt = make({ startLimit: limit });
    const v1 = await services.write("reboot", testScripts.crash(1));
    const handle = await rt.start(v1);
    await waitFor(async () => (await rt.inspect(v1.name))?.state === "failed", "failed");
    await rt.close();
    const store = new HandleStore(stateDir);
    expect(store.read(v1.name)?.failure?.reason).toMatch(/^crashed once within 30 s/);
    store.write({ ...store.read(v1.name)!, bootId: "00000000-0000-4000-8000-000000000000" });

    await services.write("reboot", testScripts.serve); // fixed while the machine was down
    const next = make({ startLimit: limit });
    await next.recover(handle, v1);
    const st = await waitFor(async () => {
      const s = await next.inspect(v1.name);
      return s?.state === "running" && s;
    }, "the service to run after the reboot");
    expect(st.reason).toBeUndefined();
    expect(store.read(v1.name)?.failure).toBeUndefined();
  });

  it("a service that crashes after running a while restarts and keeps its restart count", async () => {
    const rt = make({ stableAfterMs: 100 });
    const spec = await services.write("flaky", "sleep 0.2; exit 1");
    await rt.start(spec);
    const st = await waitFor(async () => {
      const s = await rt.inspect(spec.name);
      return s !== undefined && s.restarts >= 2 && s;
    }, "two restarts");
    expect(st.lastExit).toMatchObject({ code: 1, signal: null });
  });
});

describe.skipIf(!sandbox.bwrap)(`supervisor sandbox${sandbox.bwrap ? "" : ` (skipped: ${sandbox.detail})`}`, () => {
  let services: TestServices;
  let rt: SupervisorRuntime;
  let marker: string;
  beforeEach(async () => {
    services = await createTestServices();
    rt = fast(join(services.root, "runtime-state"), { sandbox: "auto" });
    marker = await mkdtemp(join(tmpdir(), "sysward-marker-"));
  });
  afterEach(async () => {
    await rt.close();
    await services.cleanup();
    await rm(marker, { recursive: true, force: true });
  });

  it("runs services with a read-only system and version dir, a writable state dir and a private /tmp", async () => {
    expect(rt.capabilities.sandboxing).toBe(true);
    const body = [
      'touch "$PWD/x" 2>/dev/null && echo workdir-writable || echo workdir-readonly',
      'touch /usr/sysward-probe 2>/dev/null && echo usr-writable || echo usr-readonly',
      'touch "$SYSWARD_STATE_DIR/x" 2>/dev/null && echo state-writable || echo state-readonly',
      '[ -e "$MARKER" ] && echo tmp-shared || echo tmp-private',
      "echo probes-done",
      "while :; do sleep 1; done",
    ].join("\n");
    const spec = await services.write("boxed", body, { env: { MARKER: marker }, ...(rt.isolation.separateUsers ? { user: { uid: 65534, gid: 65534 } } : {}) });
    writeFileSync(join(spec.stateDir, "keep"), "");
    await rt.start(spec);
    const lines = await waitFor(async () => {
      const out: string[] = [];
      for await (const l of rt.logs(spec.name, { tail: 20, follow: false })) out.push(l.line);
      return out.includes("probes-done") && out;
    }, "the probes");
    expect(lines).toEqual(expect.arrayContaining(["workdir-readonly", "usr-readonly", "state-writable", "tmp-private"]));
  });
});
