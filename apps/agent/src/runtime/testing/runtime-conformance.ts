import { DomainError } from "../../domain-error";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LogLine, Runtime, ServiceSpec, ServiceStatus } from "../runtime";
import { readProcStat } from "../proc-stat";
import type { StartLimit } from "../start-limit";
import { createTestServices, testScripts, type TestServiceOptions, type TestServices } from "./test-service";
import { waitFor } from "./wait-for";

// The contract every Runtime keeps (Nomad's driver conformance tests): real services, real
// processes, each test cleaning up every process group it started.

/** `startLimit`: when set, the runtime must give up on a crash loop exactly there (else its default, or higher). */
const SUITE_USER = { uid: 65534, gid: 65534 };

export type MakeRuntime = (ctx: { stateDir: string; startLimit?: StartLimit }) => Runtime | Promise<Runtime>;

export interface RuntimeConformanceOptions {
  /** Why the runtime cannot run here; the suite is then skipped with the reason in its title. */
  skip?: string;
  /** Where test packages go (systemd units have a private /tmp, so they need another place). */
  baseDir?: string;
  /** Whether stdout and stderr lines carry exact stream tags (journald merges the two). Default true. */
  exactStreams?: boolean;
  /** Whether inspect() still reports the exit code after a clean exit (systemd unloads inactive units and forgets it). Default true. */
  keepsCleanExitStatus?: boolean;
  /** How long to watch that a service is NOT restarted: longer than the runtime's restart delay. */
  noRestartWatchMs: number;
  /** Deadline for each wait on state. Default 10 s. */
  timeoutMs?: number;
}

export function describeRuntimeConformance(name: string, makeRuntime: MakeRuntime, opts: RuntimeConformanceOptions): void {
  const title = opts.skip ? `${name} runtime conformance (skipped: ${opts.skip})` : `${name} runtime conformance`;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  // Unique names per suite run: systemd units are machine-global.
  const prefix = `t${Math.random().toString(36).slice(2, 8)}`;

  describe.skipIf(opts.skip !== undefined)(title, () => {
    let services: TestServices;
    let stateDir: string;
    let runtimes: Runtime[];
    let names: Set<string>;
    let rt: Runtime;

    const make = async (startLimit?: StartLimit): Promise<Runtime> => {
      const runtime = await makeRuntime({ stateDir, ...(startLimit ? { startLimit } : {}) });
      runtimes.push(runtime);
      return runtime;
    };
    const write = async (short: string, body: string, o?: TestServiceOptions): Promise<ServiceSpec> => {
      const fullName = `${prefix}${short}`;
      names.add(fullName);
      // A root agent's runtimes run each service under a uid of its own: nobody, for the suite.
      return services.write(fullName, body, { ...(rt.isolation.separateUsers ? { user: SUITE_USER } : {}), ...o });
    };
    const until = <T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string) =>
      waitFor(probe, what, { timeoutMs, intervalMs: 10 });
    const inState = (runtime: Runtime, svc: string, state: ServiceStatus["state"]) =>
      until(async () => {
        const st = await runtime.inspect(svc);
        return st?.state === state && (state !== "running" || st.pids.length > 0) && st;
      }, `${svc} to be ${state}`);
    const logLines = async (runtime: Runtime, svc: string, tail: number): Promise<LogLine[]> => {
      const out: LogLine[] = [];
      for await (const line of runtime.logs(svc, { tail, follow: false })) out.push(line);
      return out;
    };
    const logShows = (runtime: Runtime, svc: string, text: string) =>
      until(async () => {
        const lines = await logLines(runtime, svc, 200);
        return lines.some((l) => l.line === text) && lines;
      }, `${svc} to log ${JSON.stringify(text)}`);
    const firstScriptPid = (svc: string) =>
      until(async () => (await services.pidsOf(svc))[0], `${svc} to report its pid`);

    beforeEach(async () => {
      services = await createTestServices({ baseDir: opts.baseDir });
      stateDir = join(services.root, "runtime-state");
      runtimes = [];
      names = new Set();
      rt = await make();
    });

    afterEach(async () => {
      // A fresh instance removes everything (it also finds services an earlier, closed instance left running).
      const cleaner = await makeRuntime({ stateDir });
      for (const svc of names) await cleaner.remove(svc, { force: true }).catch(() => undefined);
      for (const runtime of [...runtimes, cleaner]) await runtime.close().catch(() => undefined);
      await services.cleanup();
    });

    it("start: the service runs, with the pid of its process tree", async () => {
      const spec = await write("start", testScripts.serve);
      const handle = await rt.start(spec);
      expect(handle.runtime).toBe(rt.name);
      const st = await inState(rt, spec.name, "running");
      const scriptPid = await firstScriptPid(spec.name);
      expect(st.pids).toHaveLength(1);
      expect(isSelfOrDescendant(scriptPid, st.pids[0]!)).toBe(true);
      expect(rt.pids().get(spec.name)).toEqual(st.pids);
      expect(st.restarts).toBe(0);
    });

    it("start gives the service a clean environment: its own vars, none of the agent's", async () => {
      process.env.SYSWARD_AGENT_TOKEN = "agent-secret-must-not-leak";
      let spec: ServiceSpec;
      try {
        spec = await write("env", testScripts.printEnv, { env: { GREETING: "hello world" } });
        await rt.start(spec);
      } finally {
        delete process.env.SYSWARD_AGENT_TOKEN;
      }
      const lines = await logShows(rt, spec.name, "--env-end--");
      const env = new Map(lines.filter((l) => l.line.includes("=")).map((l) => [l.line.slice(0, l.line.indexOf("=")), l.line.slice(l.line.indexOf("=") + 1)]));
      expect(env.get("SYSWARD_SERVICE")).toBe(spec.name);
      expect(env.get("SYSWARD_STATE_DIR")).toBe(spec.stateDir);
      expect(env.get("HOME")).toBe(spec.stateDir);
      expect(env.get("GREETING")).toBe("hello world");
      expect(env.get("PATH")).toContain("/usr/bin");
      expect(env.has("SYSWARD_AGENT_TOKEN")).toBe(false);
      expect(env.has("VITEST")).toBe(false);
    });

    it("start refuses a missing executable with FailedPrecondition", async () => {
      const spec = await write("noexec", testScripts.serve);
      await expect(rt.start({ ...spec, exec: join(spec.workDir, "missing") })).rejects.toMatchObject({ kind: "failed-precondition" });
    });

    it("start refuses an invalid environment variable name with InvalidArgument", async () => {
      const spec = await write("badenv", testScripts.serve, { env: { "NOT-VALID": "x" } });
      await expect(rt.start(spec)).rejects.toMatchObject({ kind: "invalid-argument" });
      expect(await services.pidsOf(spec.name)).toEqual([]);
    });

    it("logs: stdout and stderr lines are captured", async () => {
      const spec = await write("logs", testScripts.serve);
      await rt.start(spec);
      await logShows(rt, spec.name, "out: started");
      const lines = await logShows(rt, spec.name, "err: started");
      if (opts.exactStreams ?? true) {
        expect(lines.find((l) => l.line === "out: started")?.stream).toBe("stdout");
        expect(lines.find((l) => l.line === "err: started")?.stream).toBe("stderr");
      }
    });

    it("logs: tail N yields the last N lines, oldest first", async () => {
      const spec = await write("tail", testScripts.lines(20));
      await rt.start(spec);
      await logShows(rt, spec.name, "line 20");
      const lines = await logLines(rt, spec.name, 5);
      expect(lines.map((l) => l.line)).toEqual(["line 16", "line 17", "line 18", "line 19", "line 20"]);
    });

    it("logs: follow yields new lines and ends when aborted", async () => {
      const spec = await write("follow", testScripts.ticker);
      await rt.start(spec);
      await logShows(rt, spec.name, "tick 2");
      const before = tickOf((await logLines(rt, spec.name, 1)).at(-1));
      const abort = new AbortController();
      const seen: string[] = [];
      const reading = (async () => {
        for await (const line of rt.logs(spec.name, { tail: 0, follow: true, signal: abort.signal })) seen.push(line.line);
      })();
      await until(() => seen.filter((l) => l.startsWith("tick ")).length >= 3, "three followed lines");
      abort.abort();
      await reading; // the iterator ends on abort rather than hanging
      const ticks = seen.map((l) => tickOf({ line: l }));
      expect(ticks[0]).toBeGreaterThan(before);
      expect(ticks).toEqual([...ticks].sort((a, b) => a - b));
    });

    it("logs of an unknown service fail with NotFound", async () => {
      await expect(logLines(rt, `${prefix}nosuch`, 1)).rejects.toMatchObject({ kind: "not-found" });
    });

    it("a crashing service is restarted with backoff, counting restarts", async () => {
      const spec = await write("crash", testScripts.crash(3));
      await rt.start(spec);
      const states = new Set<string>();
      const st = await until(async () => {
        const s = await rt.inspect(spec.name);
        if (s) states.add(s.state);
        return s !== undefined && s.restarts >= 3 && s;
      }, "three restarts");
      expect(states).toContain("backoff");
      expect(st.lastExit?.code).toBe(3);
      // One line per process start (pids repeat in a sandbox's own pid namespace, and the dead have no host pid).
      expect((await services.pidsOf(spec.name)).length).toBeGreaterThanOrEqual(3);
    });

    it("a crash loop ends in failed at the start limit, with a reason and its logs; start() runs it again, counting afresh", async () => {
      const limited = await make({ burst: 3, intervalMs: 30_000 });
      const spec = await write("loop", testScripts.crash(1));
      await limited.start(spec);
      const st = await inState(limited, spec.name, "failed");
      expect(st.pids).toEqual([]);
      expect(st.lastExit?.code).toBe(1);
      expect(st.reason).toMatch(/crashed 3 times within 30 s; last exit code 1\b.*start it again/);
      expect(limited.pids().has(spec.name)).toBe(false);
      expect(await services.pidsOf(spec.name)).toHaveLength(3); // the first run and two restarts
      await sleep(opts.noRestartWatchMs);
      expect(await services.pidsOf(spec.name)).toHaveLength(3);
      expect((await limited.inspect(spec.name))?.state).toBe("failed");
      // Its logs stay readable (journald may take a moment to have the last line).
      const crashLines = async () => (await logLines(limited, spec.name, 200)).filter((l) => l.line === "crashing with 1").length;
      await until(async () => (await crashLines()) >= 3, "the three runs' log lines");
      expect(await crashLines()).toBe(3);

      // An explicit start is a fresh window: three more runs (not one) before it gives up again.
      await limited.start(spec);
      await until(async () => (await services.pidsOf(spec.name)).length >= 6 && (await limited.inspect(spec.name))?.state === "failed", "a second full loop");
      await sleep(opts.noRestartWatchMs);
      expect(await services.pidsOf(spec.name)).toHaveLength(6);

      // Fixed: it runs, with no restarts carried over; a stop then reads stopped, not failed.
      const fixed = await write("loop", testScripts.serve);
      await limited.start(fixed);
      expect((await inState(limited, spec.name, "running")).restarts).toBe(0);
      await limited.stop(spec.name, { timeoutMs: 5_000 });
      const stopped = await limited.inspect(spec.name);
      expect(stopped?.state).toBe("stopped");
      expect(stopped?.reason).toBeUndefined();
    });

    it("a service that runs longer than the start-limit interval between crashes is restarted, never failed", async () => {
      const limited = await make({ burst: 2, intervalMs: 300 });
      const spec = await write("slowcrash", `sleep 0.5; exit 1`);
      await limited.start(spec);
      const states = new Set<string>();
      await until(async () => {
        const s = await limited.inspect(spec.name);
        if (s) states.add(s.state);
        return s !== undefined && s.restarts >= 3;
      }, "three restarts");
      expect(states).not.toContain("failed");
      expect(states).toContain("backoff");
    });

    it("a failed service stays failed across an agent restart until start()", async () => {
      const limit = { burst: 2, intervalMs: 30_000 };
      const first = await make(limit);
      const spec = await write("stayfailed", testScripts.crash(7));
      const handle = await first.start(spec);
      const failed = await inState(first, spec.name, "failed");
      await first.close();

      const next = await make(limit);
      await next.recover(JSON.parse(JSON.stringify(handle)), spec);
      const st = await inState(next, spec.name, "failed");
      expect(st.reason).toBe(failed.reason);
      expect(st.lastExit?.code).toBe(7);
      await sleep(opts.noRestartWatchMs);
      expect(await services.pidsOf(spec.name)).toHaveLength(2);
      expect((await next.inspect(spec.name))?.state).toBe("failed");

      await next.start(spec);
      await until(async () => (await services.pidsOf(spec.name)).length >= 3, "a run after start()");
    });

    it("a service that exits cleanly (code 0) is not restarted", async () => {
      const spec = await write("clean", testScripts.crash(0));
      await rt.start(spec);
      await firstScriptPid(spec.name); // it ran
      const st = await until(async () => {
        const s = await rt.inspect(spec.name);
        return s?.state === "stopped" && s;
      }, "a clean exit");
      if (opts.keepsCleanExitStatus ?? true) expect(st.lastExit?.code).toBe(0);
      await sleep(opts.noRestartWatchMs);
      expect((await rt.inspect(spec.name))?.restarts).toBe(0);
      expect(await services.pidsOf(spec.name)).toHaveLength(1);
    });

    it("stop escalates to SIGKILL when the service ignores SIGTERM", async () => {
      const spec = await write("stubborn", testScripts.ignoresTerm);
      await rt.start(spec);
      await logShows(rt, spec.name, "ready");
      const scriptPid = await firstScriptPid(spec.name);
      await rt.stop(spec.name, { timeoutMs: 500 });
      const st = await rt.inspect(spec.name);
      expect(st?.state).toBe("stopped");
      expect(st?.pids).toEqual([]);
      expect(isAlive(scriptPid)).toBe(false);
      // It got SIGTERM first, survived it, and only the escalation ended it.
      await logShows(rt, spec.name, "term-ignored");
      expect(rt.pids().has(spec.name)).toBe(false);
    });

    it("stop is idempotent, and a no-op for a name never started", async () => {
      const spec = await write("idem", testScripts.serve);
      await rt.start(spec);
      await inState(rt, spec.name, "running");
      await rt.stop(spec.name, { timeoutMs: 5_000 });
      await rt.stop(spec.name, { timeoutMs: 5_000 });
      expect((await rt.inspect(spec.name))?.state).toBe("stopped");
      await expect(rt.stop(`${prefix}never`)).resolves.toBeUndefined();
    });

    it("stop during backoff ends the restarts", async () => {
      const spec = await write("stopbackoff", testScripts.crash(5));
      await rt.start(spec);
      await until(async () => ((await rt.inspect(spec.name))?.restarts ?? 0) >= 1, "a restart");
      await rt.stop(spec.name, { timeoutMs: 2_000 });
      const st = await rt.inspect(spec.name);
      expect(st?.state).toBe("stopped");
      const spawned = (await services.pidsOf(spec.name)).length;
      await sleep(opts.noRestartWatchMs);
      expect((await services.pidsOf(spec.name)).length).toBe(spawned);
      expect((await rt.inspect(spec.name))?.state).toBe("stopped");
    });

    it("start replaces the running version", async () => {
      const v1 = await write("replace", testScripts.serve, { versionId: "1-aaaaaaaa" });
      await rt.start(v1);
      const [oldPid] = (await inState(rt, v1.name, "running")).pids;
      const v2 = await write("replace", testScripts.serve, { versionId: "2-bbbbbbbb" });
      await rt.start(v2);
      const st = await inState(rt, v2.name, "running");
      expect(st.pids[0]).not.toBe(oldPid);
      expect(isAlive(oldPid!)).toBe(false);
      expect(st.restarts).toBe(0);
    });

    it("remove stops the service and forgets it", async () => {
      const spec = await write("remove", testScripts.serve);
      await rt.start(spec);
      const [pid] = (await inState(rt, spec.name, "running")).pids;
      await rt.remove(spec.name);
      expect(await rt.inspect(spec.name)).toBeUndefined();
      expect(rt.pids().has(spec.name)).toBe(false);
      expect(isAlive(pid!)).toBe(false);
      await expect(rt.remove(spec.name)).resolves.toBeUndefined();
    });

    it("pids() lists every running service and only those", async () => {
      const a = await write("pidsa", testScripts.serve);
      const b = await write("pidsb", testScripts.serve);
      await rt.start(a);
      await rt.start(b);
      const sa = await inState(rt, a.name, "running");
      const sb = await inState(rt, b.name, "running");
      expect(rt.pids().get(a.name)).toEqual(sa.pids);
      expect(rt.pids().get(b.name)).toEqual(sb.pids);
      await rt.stop(a.name, { timeoutMs: 5_000 });
      expect(rt.pids().has(a.name)).toBe(false);
      expect(rt.pids().get(b.name)).toEqual(sb.pids);
    });

    it("recover after an agent restart re-adopts the still-running service", async () => {
      const spec = await write("adopt", testScripts.serve);
      const handle = await rt.start(spec);
      const [pid] = (await inState(rt, spec.name, "running")).pids;
      await rt.close();
      expect(isAlive(pid!)).toBe(true); // close() leaves services running

      const next = await make();
      await next.recover(JSON.parse(JSON.stringify(handle)), spec);
      const st = await inState(next, spec.name, "running");
      expect(st.pids).toEqual([pid]);
      expect(next.pids().get(spec.name)).toEqual([pid]);
      // The new instance really controls it.
      await next.stop(spec.name, { timeoutMs: 5_000 });
      expect(isAlive(pid!)).toBe(false);
    });

    it("recover restarts a service that died while the agent was down", async () => {
      const spec = await write("revive", testScripts.serve);
      const handle = await rt.start(spec);
      const [pid] = (await inState(rt, spec.name, "running")).pids;
      await rt.close();
      killGroupOf(pid!);
      await until(() => !isAlive(pid!), "the service to die");

      const next = await make();
      await next.recover(handle, spec);
      const st = await until(async () => {
        const s = await next.inspect(spec.name);
        return s?.state === "running" && s.pids.length > 0 && s.pids[0] !== pid && s;
      }, "a new process");
      expect(isAlive(st.pids[0]!)).toBe(true);
    });

    it("recover refuses a handle of another runtime", async () => {
      const spec = await write("foreign", testScripts.serve);
      const other = rt.name === "systemd" ? "supervisor" : "systemd";
      await expect(rt.recover({ runtime: other, version: 1, state: {} }, spec)).rejects.toBeInstanceOf(DomainError);
    });
  });
}

export function isAlive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== "Z" && stat.state !== "X";
}

export function isSelfOrDescendant(pid: number, ancestor: number): boolean {
  for (let p: number | undefined = pid; p !== undefined && p > 1; p = readProcStat(p)?.ppid) {
    if (p === ancestor) return true;
  }
  return false;
}

export function killGroupOf(pid: number): void {
  const stat = readProcStat(pid);
  if (stat) process.kill(-stat.pgrp, "SIGKILL");
}

function tickOf(line: { line: string } | undefined): number {
  const m = /^tick (\d+)$/.exec(line?.line ?? "");
  if (!m) throw new Error(`not a tick line: ${JSON.stringify(line?.line)}`);
  return Number(m[1]);
}
