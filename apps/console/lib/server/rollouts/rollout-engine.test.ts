// Rollouts against REAL agents, each a child process with its own data dir and socket, watched by
// the real fleet monitor: waves gated on health (the recorded times prove the order), a host whose
// new version fails its health window (the agent puts the old one back; the rollout stops there),
// revert-all, manual revert, a console restarted mid-wave (no host installs twice), a host down at
// its turn (skipped, or waited for), cancel, and one rollout per service and selector at a time.
// The tests run in order, each from the versions the one before left on the hosts.
import { Readable } from "node:stream";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shellBodies, shellServiceZip } from "../../../../agent/src/install/testing/package-fixtures";
import { startTestAgent, type TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import { listAudit } from "../audit/audit-log";
import { getAlertEngine } from "../alerts/alerts";
import { getFleetMonitor } from "../fleet/fleet";
import { setupConsoleTestEnv } from "../testing/console-test-env";
import { startLabelledAgents, stopLabelledAgents } from "../testing/labelled-agents";
import type { RolloutStrategy } from "../../shared/rollout-types";
import { storePackage } from "./package-store";
import { RolloutConflictError } from "./rollout-errors";
import { parseStrategy } from "./rollout-plan";
import { listRollouts } from "./rollout-store";
import { getRolloutEngine, stopRolloutEngine } from "./rollouts";

const env = setupConsoleTestEnv({ SYSWARD_FLEET_PERF_MS: "200" });
const AGENT_ENV = { SYSWARD_SERVICE_WATCH_MS: "100", SYSWARD_PERF_INTERVAL_MS: "200" };
const HOSTS = ["web1", "web2", "web3", "web4"] as const;
const agents = new Map<string, TestAgent>();
const ADMIN = { user: { username: "admin", id: 1, role: "admin" as const }, address: "10.0.0.1" };

/** web2's data dir is under a directory whose name a package can test for: one host where a version breaks. */
const dataDirOf = (host: string) => join(env.root, "hosts", host === "web2" ? "web2-breaks" : host, "data");

async function startHost(host: string): Promise<TestAgent> {
  const a = await startTestAgent({ dataDir: dataDirOf(host), env: AGENT_ENV });
  agents.set(host, a);
  return a;
}

/** A package that runs steadily, printing `tag`; with `breaksOnWeb2`, on web2 it exits at once. */
async function pkg(tag: string, breaksOnWeb2 = false): Promise<string> {
  const body = breaksOnWeb2 ? `case "$PWD" in *web2-breaks*) ${shellBodies.broken(tag)};; esac\n${shellBodies.steady(tag)}` : shellBodies.steady(tag);
  return (await storePackage(Readable.from(shellServiceZip("app", body)))).sha256;
}

const strategy = (fields: Record<string, string>): RolloutStrategy => parseStrategy((n) => ({ healthSeconds: "1", ...fields })[n]);
const engine = () => getRolloutEngine();
const running = async (host: string) => (await agents.get(host)!.client().getService({ name: "app" })).service!;
const finished = async (id: number) => {
  await engine().idle();
  return engine().get(id);
};
const soon = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });

beforeAll(async () => {
  for (const [host, a] of await startLabelledAgents(HOSTS.map((id) => ({ id, dataDir: dataDirOf(id) })), { role: "web" }, AGENT_ENV)) agents.set(host, a);
}, 120_000);

afterAll(async () => {
  await stopRolloutEngine();
  await stopLabelledAgents(agents.values());
  await env.cleanup();
});

describe("a rollout", () => {
  it("installs wave after wave, each only once the one before is healthy, and holds after the canary when asked", async () => {
    const sha = await pkg("v1");
    const id = engine().start({ service: "app", selector: "role=web", sha256: sha, strategy: strategy({ canary: "1", batch: "2", approveAfterCanary: "true" }) }, ADMIN);
    await soon(() => engine().get(id).state).toBe("awaiting-approval");
    expect(engine().get(id).hosts.map((h) => `${h.agentName}:${h.wave}:${h.state}`)).toEqual(["web1:0:healthy", "web2:1:pending", "web3:1:pending", "web4:2:pending"]);

    // One at a time per service and selector, however the selector is spelled.
    const second = () => engine().start({ service: "app", selector: " role = web ", sha256: sha, strategy: strategy({}) }, ADMIN);
    expect(second).toThrow(RolloutConflictError);
    expect(second).toThrow(new RegExp(`rollout ${id} of app`));

    engine().approve(id, ADMIN);
    const r = await finished(id);
    expect(r.state).toBe("succeeded");
    for (const host of HOSTS) expect((await running(host)).version?.sha256).toBe(sha);
    for (const h of r.hosts) expect(h).toMatchObject({ state: "healthy", previousVersion: "", newVersion: expect.stringMatching(/^1-/) });
    // The gate: every host of a wave started after every host of the wave before had finished.
    for (let w = 1; w <= 2; w++) {
      const before = Math.max(...r.hosts.filter((h) => h.wave === w - 1).map((h) => h.finishedAt!));
      for (const h of r.hosts.filter((x) => x.wave === w)) expect(h.startedAt!).toBeGreaterThanOrEqual(before);
    }
    const audited = listAudit({ limit: 50 }).filter((e) => e.target?.startsWith(`rollout ${id}`));
    expect(audited.map((e) => e.action).sort()).toEqual(["rollout.approve", "rollout.host", "rollout.host", "rollout.host", "rollout.host", "rollout.start"]);
  }, 60_000);

  it("stops at a host whose new version fails its health window: it is back on the old version and serving, later waves untouched", async () => {
    const old = await running("web2");
    const sha = await pkg("v2", true);
    const id = engine().start({ service: "app", selector: "role=web", sha256: sha, strategy: strategy({ canary: "1", batch: "1" }) }, ADMIN);
    const r = await finished(id);
    expect(r.state).toBe("stopped");
    expect(r.reason).toMatch(/^web2 failed: failed_precondition: .*health/);
    const web2 = r.hosts.find((h) => h.agentName === "web2")!;
    expect(web2.state).toBe("failed");
    expect(web2.logLines).toEqual(expect.arrayContaining(["v2 failing line 1", "v2 failing line 3"]));
    const now = await running("web2");
    expect(now.version?.id).toBe(old.version?.id);
    expect(now.state).toBe(old.state);
    expect(now.pids.length).toBeGreaterThan(0);
    expect((await running("web1")).version?.sha256).toBe(sha);
    expect(r.hosts.filter((h) => h.wave > 1).map((h) => h.state)).toEqual(["pending", "pending"]);
    for (const host of ["web3", "web4"]) expect((await running(host)).version?.id).toMatch(/^1-/);
    // People are told: the alert engine's rollout-stopped, for the service, with why.
    const told = getAlertEngine().alerts({ limit: 50 }).filter((a) => a.ruleId === "rollout-stopped" && a.service === "app" && a.state !== "resolved");
    expect(told.map((a) => a.summary)).toEqual([expect.stringMatching(/^rollout of app stopped: web2 failed: /)]);

    // A manual revert of the finished rollout puts web1 back on what it ran before.
    engine().revert(id, ADMIN);
    const reverted = await finished(id);
    expect(reverted.state).toBe("reverted");
    expect(reverted.hosts.slice(0, 2).map((h) => h.state)).toEqual(["reverted", "reverted"]);
    expect((await running("web1")).version?.id).toMatch(/^1-/);
  }, 60_000);

  it("with revert-all, puts every host it touched back when one fails", async () => {
    const sha = await pkg("v3", true);
    const before = await running("web1");
    const id = engine().start({ service: "app", selector: "role=web", sha256: sha, strategy: strategy({ canary: "1", batch: "1", onFailure: "revert-all" }) }, ADMIN);
    const r = await finished(id);
    expect(r.state).toBe("reverted");
    expect(r.reason).toMatch(/^web2 failed: .*every host it touched is back on its previous version$/);
    expect(r.hosts.map((h) => h.state)).toEqual(["reverted", "reverted", "pending", "pending"]);
    expect((await running("web1")).version?.id).toBe(before.version?.id);
    expect((await running("web1")).state).toBe(before.state);
  }, 60_000);

  it("resumes after the console stops mid-wave, and installs on no host twice", async () => {
    const sha = await pkg("v4");
    // Version ids are numbered per install ("<n>-<sha8>"): the newest kept number now, the next one after.
    const newest = async (host: string) => Math.max(...(await running(host)).keptVersions.map((v) => Number(v.id.split("-")[0])));
    const newestBefore = new Map<string, number>();
    for (const host of HOSTS) newestBefore.set(host, await newest(host));
    const id = engine().start({ service: "app", selector: "role=web", sha256: sha, strategy: strategy({ canary: "1", batch: "3", healthSeconds: "3" }) }, ADMIN);
    // The second wave is in its health window at the agents when the console goes away.
    await expect
      .poll(() => engine().get(id).hosts.filter((h) => h.wave === 1 && h.state === "installing").length, { timeout: 40_000, interval: 100 })
      .toBe(3)
      .catch((err: unknown) => {
        // What the rollout did instead (a canary that failed, a stall), for whoever reads the failure.
        const r = engine().get(id);
        throw new Error(`${(err as Error).message}\nrollout ${r.state} (${r.reason}): ${r.hosts.map((h) => `${h.agentName} ${h.state} ${h.error}`).join("; ")}`);
      });
    await soon(async () => (await running("web3")).phaseDetail).toMatch(/health/);
    await stopRolloutEngine();
    expect(engine().get(id).hosts.map((h) => h.state)).toEqual(["healthy", "installing", "installing", "installing"]);

    const r = await finished(id);
    expect(r.state).toBe("succeeded");
    // A rollout of the service that succeeds resolves its rollout-stopped alert.
    expect(getAlertEngine().alerts({ limit: 50 }).filter((a) => a.ruleId === "rollout-stopped" && a.service === "app" && a.state !== "resolved")).toEqual([]);
    for (const host of HOSTS) {
      const s = await running(host);
      expect(s.version?.sha256).toBe(sha);
      // One install each: the next number, not two past it.
      expect(Number(s.version!.id.split("-")[0])).toBe(newestBefore.get(host)! + 1);
    }
    const resumed = listAudit({ limit: 50 }).filter((e) => e.target?.startsWith(`rollout ${id} `) && e.detail?.includes("before the console restarted"));
    expect(resumed.length).toBe(3);
  }, 60_000);

  it("skips a host that is down at its turn and never counts it a success", async () => {
    await agents.get("web4")!.kill();
    await soon(() => getFleetMonitor().get("web4")?.reach).toBe("down");
    const sha = await pkg("v5");
    const id = engine().start({ service: "app", selector: "role=web", sha256: sha, strategy: strategy({ canary: "1", batch: "2" }) }, ADMIN);
    const r = await finished(id);
    expect(r.state).toBe("incomplete");
    expect(r.healthyCount).toBe(3);
    const web4 = r.hosts.find((h) => h.agentName === "web4")!;
    expect(web4.state).toBe("skipped");
    expect(web4.error).toMatch(/^down at its turn/);
    expect(r.reason).toMatch(/^web4 skipped: down at its turn/);
    await startHost("web4");
    await soon(() => getFleetMonitor().get("web4")?.reach).toBe("up");
    expect((await running("web4")).version?.sha256).not.toBe(sha);
  }, 60_000);

  it("waits for a host down at its turn when asked, and installs once it is back", async () => {
    await agents.get("web4")!.kill();
    await soon(() => getFleetMonitor().get("web4")?.reach).toBe("down");
    const sha = await pkg("v6");
    const id = engine().start({ service: "app", selector: "role=web", sha256: sha, strategy: strategy({ canary: "1", batch: "2", waitForDown: "true" }) }, ADMIN);
    await soon(() => engine().get(id).hosts.filter((h) => h.state === "healthy").length).toBe(3);
    await new Promise((r) => setTimeout(r, 1000));
    expect(engine().get(id)).toMatchObject({ state: "running", hosts: expect.arrayContaining([expect.objectContaining({ agentName: "web4", state: "pending" })]) });
    await startHost("web4");
    const r = await finished(id);
    expect(r.state).toBe("succeeded");
    expect((await running("web4")).version?.sha256).toBe(sha);
  }, 60_000);

  it("cancels after the hosts in flight finish their health window, leaving later waves untouched", async () => {
    const sha = await pkg("v7");
    const id = engine().start({ service: "app", selector: "role=web", sha256: sha, strategy: strategy({ canary: "1", batch: "1", healthSeconds: "2" }) }, ADMIN);
    await soon(() => engine().get(id).hosts[0]!.state).toBe("installing");
    expect(engine().cancel(id, ADMIN).state).toBe("running");
    const r = await finished(id);
    expect(r.state).toBe("cancelled");
    expect(r.hosts.map((h) => h.state)).toEqual(["healthy", "pending", "pending", "pending"]);
    expect((await running("web1")).version?.sha256).toBe(sha);
    expect((await running("web2")).version?.sha256).not.toBe(sha);
    expect(() => engine().cancel(id, ADMIN)).toThrow(/only a running rollout can be cancelled/);
  }, 60_000);

  it("reverting an old rollout leaves alone a host that another rollout changed since", async () => {
    const cancelled = listRollouts(10).find((x) => x.state === "cancelled")!;
    const later = await finished(engine().start({ service: "app", selector: "role=web", sha256: await pkg("v8"), strategy: strategy({ canary: "0", batch: "100%" }) }, ADMIN));
    expect(later.state).toBe("succeeded");
    engine().revert(cancelled.id, ADMIN);
    const r = await finished(cancelled.id);
    expect(r.state).toBe("reverted");
    expect(r.reason).toMatch(/could not revert web1$/);
    expect(r.hosts[0]).toMatchObject({ state: "revert-failed", error: expect.stringMatching(/left alone$/) });
    expect((await running("web1")).version?.sha256).toBe(later.sha256);
  }, 60_000);
});
