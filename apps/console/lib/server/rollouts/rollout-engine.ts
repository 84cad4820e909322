import "server-only";
// Runs rollouts. The state machine (states in lib/shared/rollout-types.ts):
//
//   rollout: running ─wave by wave─> succeeded | incomplete (hosts skipped)
//            running ─a host failed─> stopped (policy stop) | reverting → reverted (policy revert-all)
//            running ─canary done, approval asked─> awaiting-approval ─approve─> running
//            running | awaiting-approval ─cancel─> cancelled (hosts in flight finish their window first)
//            succeeded | incomplete | stopped | cancelled ─revert─> reverting → reverted
//   host:    pending → installing → healthy | failed ; pending → skipped (down at its turn)
//            healthy | failed | installing → reverting → reverted | revert-failed
//
// Every transition is written to the DB before the engine acts on it: a host is recorded
// "installing" before the first byte goes out. A console restarted mid-wave finds it so, waits
// for the agent to finish what it was sent, and reads the version the agent runs: the new one
// (healthy), the old one after a failed health window (failed), or the old one with no install
// seen (sent again — it never arrived). So no host gets the package installed twice.
//
// A wave's hosts install in parallel; the next wave starts only when every host of this one is
// healthy (or skipped). Progress is numbered like the fleet monitor's changes: readers hold a
// number and wait for a later one (waitForChange), never a queue.
import { matchesSelector, packageNameProblem } from "@sysward/contract";
import type { Logger } from "pino";
import type { MachineState } from "../../shared/fleet-types";
import type { RolloutDetail, RolloutHost, RolloutStrategy } from "../../shared/rollout-types";
import type { AgentClient } from "../agents/agent-client";
import type { AuditInput } from "../audit/audit-log";
import { abortableSleep } from "./abortable-sleep";
import { currentService, installOnHost, reconcileHost, revertHost, type PackageRef } from "./host-step";
import { storedPackage } from "./package-store";
import { PackageNotStoredError, RolloutConflictError, RolloutInputError, RolloutNotFoundError, RolloutStateError } from "./rollout-errors";
import { canonicalSelector, parseRolloutSelector, planWaves } from "./rollout-plan";
import * as store from "./rollout-store";

/** How long a machine the fleet monitor has not reached yet (just after a start) is waited for. */
const CONNECTING_WAIT_MS = 15_000;
/** How often a paused or waiting rollout looks for a cancel. */
const CANCEL_CHECK_MS = 500;

/** What the engine needs of the fleet monitor (lib/server/fleet/fleet-monitor.ts). */
export interface MachineSource {
  readonly rev: number;
  list(): MachineState[];
  get(id: string): MachineState | undefined;
  waitForStatusChange(rev: number, signal: AbortSignal): Promise<void>;
}

export interface Actor {
  user: AuditInput["actor"];
  address: string | null;
}

export interface RolloutEngineOptions {
  machines: MachineSource;
  client(agentId: string): AgentClient;
  audit(entry: AuditInput): void;
  log: Logger;
  /** A rollout of `service` stopped on a failure (the alert engine's rollout-stopped), or one of it succeeded since. */
  outcome?: { stopped(service: string, reason: string): void; succeeded(service: string): void };
}

export interface StartRollout {
  service: string;
  selector: string;
  sha256: string;
  strategy: RolloutStrategy;
}

const DONE_INSTALLING = new Set<RolloutHost["state"]>(["healthy", "failed", "skipped"]);
const TO_REVERT = new Set<RolloutHost["state"]>(["healthy", "failed", "installing", "reverting"]);
const REVERTIBLE = new Set<RolloutDetail["state"]>(["succeeded", "incomplete", "stopped", "cancelled"]);


const firstLine = (s: string) => s.split("\n")[0]!;

export class RolloutEngine {
  readonly #o: RolloutEngineOptions;
  readonly #runs = new Map<number, Promise<void>>();
  readonly #waiters = new Set<() => void>();
  readonly #stop = new AbortController();
  #rev = 0;

  constructor(o: RolloutEngineOptions) {
    this.#o = o;
  }

  get rev(): number {
    return this.#rev;
  }

  /** Carries on with every rollout the DB says is running (a console start). */
  resume(): void {
    for (const id of store.activeRolloutIds()) this.#drive(id);
  }

  /** Stops driving rollouts without recording anything more (shutdown): what a restart resumes from. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#wake();
    await Promise.allSettled([...this.#runs.values()]);
  }

  /** Settles when every rollout this engine drives has nothing left to do (tests). */
  async idle(): Promise<void> {
    while (this.#runs.size > 0) await Promise.allSettled([...this.#runs.values()]);
  }

  /**
   * What start() would refuse before it needs the package: a bad name or selector, no machine
   * matching, another rollout of it running. Lets an upload be refused before its bytes are read.
   */
  check(service: string, selectorText: string): { selector: string; machines: MachineState[] } {
    const nameProblem = packageNameProblem(service);
    if (nameProblem) throw new RolloutInputError(nameProblem);
    const parsed = parseRolloutSelector(selectorText);
    const selector = canonicalSelector(parsed);
    const machines = this.#o.machines.list().filter((m) => matchesSelector(m.labels, parsed));
    if (machines.length === 0) throw new RolloutInputError(`no machine has labels matching ${JSON.stringify(selector)}`);
    const running = store.activeFor(service, selector);
    if (running !== undefined) throw new RolloutConflictError(running, service, selector);
    return { selector, machines };
  }

  start(input: StartRollout, actor: Actor): number {
    const { selector, machines } = this.check(input.service, input.selector);
    const pkg = storedPackage(input.sha256);
    if (!pkg) throw new PackageNotStoredError(input.sha256);
    const waves = planWaves(machines.length, input.strategy);
    const id = store.insertRollout({
      service: input.service,
      selector,
      sha256: pkg.sha256,
      sizeBytes: pkg.sizeBytes,
      strategy: input.strategy,
      createdBy: actor.user?.username ?? "",
      hosts: machines.map((m, i) => ({ agentId: m.id, agentName: m.name, wave: waves[i]! })),
    });
    this.#audit(actor, "rollout.start", id, "ok", `${input.service} ${pkg.sha256.slice(0, 12)} to ${selector}: ${machines.length} hosts in ${waves.at(-1)! + 1} waves`);
    this.#changed();
    this.#drive(id);
    return id;
  }

  get(id: number): RolloutDetail {
    const r = store.getRollout(id);
    if (!r) throw new RolloutNotFoundError(id);
    return r;
  }

  cancel(id: number, actor: Actor): RolloutDetail {
    const r = this.get(id);
    const reason = `cancelled by ${actor.user?.username ?? "?"}`;
    if (r.state === "awaiting-approval") store.setRolloutState(id, "cancelled", reason);
    else if (r.state === "running") store.requestCancel(id);
    else throw new RolloutStateError(`rollout ${id} is ${r.state}: only a running rollout can be cancelled`);
    this.#audit(actor, "rollout.cancel", id, "ok", r.state === "running" ? "stops after the hosts in flight finish their health window" : reason);
    this.#changed();
    return this.get(id);
  }

  approve(id: number, actor: Actor): RolloutDetail {
    const r = this.get(id);
    if (r.state !== "awaiting-approval") throw new RolloutStateError(`rollout ${id} is ${r.state}, not waiting for approval`);
    store.approve(id);
    this.#audit(actor, "rollout.approve", id, "ok", "went on past the canary wave");
    this.#changed();
    this.#drive(id);
    return this.get(id);
  }

  /** Every host this rollout touched back to the version it ran before, in the same waves. */
  revert(id: number, actor: Actor): RolloutDetail {
    const r = this.get(id);
    if (!REVERTIBLE.has(r.state)) throw new RolloutStateError(`rollout ${id} is ${r.state}: only a finished rollout can be reverted`);
    store.setRolloutState(id, "reverting", `reverted by ${actor.user?.username ?? "?"}`);
    this.#audit(actor, "rollout.revert", id, "ok", `${r.hosts.filter((h) => TO_REVERT.has(h.state)).length} hosts to put back`);
    this.#changed();
    this.#drive(id);
    return this.get(id);
  }

  /** Resolves once something changes after `rev`, or when `signal` aborts. */
  waitForChange(rev: number, signal: AbortSignal): Promise<void> {
    if (this.#rev > rev || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#waiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.#waiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  #changed(): void {
    this.#rev++;
    this.#wake();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  #audit(actor: Actor, action: AuditInput["action"], id: number, result: AuditInput["result"], detail: string, host?: string): void {
    this.#o.audit({ actor: actor.user, address: actor.address, action, target: `rollout ${id}${host ? ` ${host}` : ""}`, result, detail });
  }

  #drive(id: number): void {
    if (this.#runs.has(id) || this.#stop.signal.aborted) return;
    const run = this.#run(id)
      .catch((err: unknown) => {
        if (this.#stop.signal.aborted) return;
        // Unexpected (the DB, say): recorded, so the rollout does not look as if it still runs.
        this.#o.log.error({ err, rollout: id }, "rollout stopped by an error");
        this.#finish(id, "stopped", `the console hit an error: ${(err as Error).message}`, true);
      })
      .finally(() => this.#runs.delete(id));
    this.#runs.set(id, run);
  }

  async #run(id: number): Promise<void> {
    const signal = this.#stop.signal;
    for (;;) {
      if (signal.aborted) return;
      const r = store.getRollout(id);
      if (r?.state === "running") await this.#runWaves(r, signal);
      else if (r?.state === "reverting") await this.#revertAll(r, signal);
      else return;
    }
  }

  async #runWaves(r: RolloutDetail, signal: AbortSignal): Promise<void> {
    const waveCount = Math.max(...r.hosts.map((h) => h.wave)) + 1;
    for (let w = 0; w < waveCount; w++) {
      const wave = r.hosts.filter((h) => h.wave === w);
      if (wave.every((h) => DONE_INSTALLING.has(h.state))) continue;
      if (store.cancelRequested(r.id)) return this.#finish(r.id, "cancelled", `cancelled before wave ${w + 1} of ${waveCount}`);
      if (w > 0 && r.strategy.pauseSeconds > 0 && wave.every((h) => h.state === "pending")) {
        const until = Date.now() + r.strategy.pauseSeconds * 1000;
        while (Date.now() < until && !signal.aborted && !store.cancelRequested(r.id)) await abortableSleep(Math.min(CANCEL_CHECK_MS, until - Date.now()), signal);
        if (signal.aborted) return;
        if (store.cancelRequested(r.id)) return this.#finish(r.id, "cancelled", `cancelled before wave ${w + 1} of ${waveCount}`);
      }
      await Promise.all(wave.map((h) => this.#step(r, h, signal)));
      if (signal.aborted) return;
      const after = store.getRollout(r.id)!;
      // Only a cancel leaves a host of the wave unfinished (it was waiting for the machine to come back).
      const waiting = after.hosts.filter((h) => h.wave === w && !DONE_INSTALLING.has(h.state));
      if (waiting.length > 0) return this.#finish(r.id, "cancelled", `cancelled while waiting for ${waiting.map((h) => h.agentName).join(", ")}`);
      const failed = after.hosts.filter((h) => h.wave === w && h.state === "failed");
      if (failed.length > 0) {
        const why = `${failed.map((h) => h.agentName).join(", ")} failed: ${firstLine(failed[0]!.error)}`;
        return this.#finish(r.id, r.strategy.onFailure === "revert-all" ? "reverting" : "stopped", why, true);
      }
      const last = w === waveCount - 1;
      if (!last && w === 0 && r.strategy.approveAfterCanary && !store.approved(r.id)) {
        return this.#finish(r.id, "awaiting-approval", "the canary wave is healthy; approve to go on");
      }
    }
    const final = store.getRollout(r.id)!;
    const skipped = final.hosts.filter((h) => h.state === "skipped");
    if (skipped.length > 0) return this.#finish(r.id, "incomplete", `${skipped.map((h) => h.agentName).join(", ")} skipped: ${firstLine(skipped[0]!.error)}`);
    this.#finish(r.id, "succeeded", `${final.hosts.length} hosts on the new version`);
  }

  /** `failure`: it ends (or reverts) because a host failed, which people are told of. */
  #finish(id: number, state: RolloutDetail["state"], reason: string, failure = false): void {
    store.setRolloutState(id, state, reason);
    this.#changed();
    const service = () => store.getRollout(id)?.service;
    try {
      if (failure) this.#o.outcome?.stopped(service() ?? "", reason);
      else if (state === "succeeded") this.#o.outcome?.succeeded(service() ?? "");
    } catch (err) {
      // Telling people must not stop the rollout's own bookkeeping.
      this.#o.log.warn({ err, rollout: id }, "could not report the rollout's outcome");
    }
  }

  #host(r: RolloutDetail, h: RolloutHost, patch: store.HostPatch, result?: { ok: boolean; detail: string }): void {
    store.updateHost(r.id, h.agentId, patch);
    if (result) this.#audit({ user: { username: r.createdBy }, address: null }, "rollout.host", r.id, result.ok ? "ok" : "failed", result.detail, h.agentName);
    this.#changed();
  }

  /** Waits until the machine is up; false when it is not after `timeoutMs`, the rollout is cancelled, or the engine stops. */
  async #waitUp(rolloutId: number, agentId: string, signal: AbortSignal, timeoutMs?: number): Promise<boolean> {
    const limit = timeoutMs === undefined ? signal : AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    for (;;) {
      const rev = this.#o.machines.rev;
      if (this.#o.machines.get(agentId)?.reach === "up") return true;
      if (limit.aborted || store.cancelRequested(rolloutId)) return false;
      // Woken by a change of any machine, and now and then to see a cancel.
      await this.#o.machines.waitForStatusChange(rev, AbortSignal.any([limit, AbortSignal.timeout(CANCEL_CHECK_MS)]));
    }
  }

  async #step(r: RolloutDetail, h: RolloutHost, signal: AbortSignal): Promise<void> {
    if (DONE_INSTALLING.has(h.state)) return;
    let client: AgentClient;
    try {
      client = this.#o.client(h.agentId);
    } catch (err) {
      const error = `unreachable at its turn: ${(err as Error).message}`;
      return this.#host(r, h, { state: "skipped", error, finishedAt: Date.now() }, { ok: false, detail: `skipped: ${error}` });
    }
    const pkg: PackageRef = { service: r.service, sha256: r.sha256, sizeBytes: r.sizeBytes, healthSeconds: r.strategy.healthSeconds };
    const healthy = (newVersion: string, note: string) =>
      this.#host(r, h, { state: "healthy", newVersion, finishedAt: Date.now() }, { ok: true, detail: `${newVersion} healthy${note}` });
    const failed = (error: string, logLines: string[] = []) =>
      this.#host(r, h, { state: "failed", error, logLines, finishedAt: Date.now() }, { ok: false, detail: firstLine(error) });

    if (h.state === "installing") {
      // Sent by a console that stopped before it saw the answer: find out what became of it.
      if (!(await this.#waitUp(r.id, h.agentId, signal))) return;
      const seen = await reconcileHost(client, pkg, signal).catch((err: unknown) => ({ kind: "failed" as const, error: `could not ask the agent what became of the install: ${(err as Error).message}` }));
      if (signal.aborted) return;
      if (seen.kind === "healthy") return healthy(seen.newVersion, " (installed before the console restarted)");
      if (seen.kind === "failed") return failed(seen.error);
    } else {
      const m = this.#o.machines.get(h.agentId);
      if (m?.reach === "connecting") await this.#waitUp(r.id, h.agentId, signal, CONNECTING_WAIT_MS);
      if (signal.aborted) return;
      if (this.#o.machines.get(h.agentId)?.reach !== "up") {
        // Waiting ends when it is back, or with a cancel (the host stays pending: never installed).
        if (r.strategy.waitForDown && !(await this.#waitUp(r.id, h.agentId, signal))) return;
        if (signal.aborted) return;
        const now = this.#o.machines.get(h.agentId);
        if (now?.reach !== "up") {
          const error = now ? `down at its turn${now.reason ? `: ${now.reason}` : ""}` : "no longer registered";
          return this.#host(r, h, { state: "skipped", error, finishedAt: Date.now() }, { ok: false, detail: `skipped: ${error}` });
        }
      }
      let before;
      try {
        before = await currentService(client, r.service, signal);
      } catch (err) {
        if (signal.aborted) return;
        const error = `unreachable at its turn: ${(err as Error).message}`;
        return this.#host(r, h, { state: "skipped", error, finishedAt: Date.now() }, { ok: false, detail: `skipped: ${error}` });
      }
      if (signal.aborted) return;
      const startedAt = Date.now();
      if (before?.version?.sha256 === r.sha256) {
        this.#host(r, h, { startedAt, previousVersion: before.version.id });
        return healthy(before.version.id, " (it already ran this package)");
      }
      // Recorded before the first byte is sent: a restart finds it and reconciles.
      this.#host(r, h, { state: "installing", startedAt, previousVersion: before?.version?.id ?? "" });
    }
    const out = await installOnHost(client, pkg, signal);
    if (signal.aborted) return;
    if (out.ok) return healthy(out.newVersion, "");
    failed(out.unreachable ? `${out.error} (the machine went away during its install)` : out.error, out.logLines);
  }

  async #revertAll(r: RolloutDetail, signal: AbortSignal): Promise<void> {
    const waveCount = Math.max(...r.hosts.map((h) => h.wave)) + 1;
    const problems: string[] = [];
    for (let w = 0; w < waveCount; w++) {
      const wave = r.hosts.filter((h) => h.wave === w && TO_REVERT.has(h.state));
      await Promise.all(
        wave.map(async (h) => {
          this.#host(r, h, { state: "reverting" });
          try {
            const done = await revertHost(this.#o.client(h.agentId), r.service, h, signal);
            if (signal.aborted) return;
            this.#host(r, h, { state: "reverted", finishedAt: Date.now() }, { ok: true, detail: `reverted: ${done}` });
          } catch (err) {
            if (signal.aborted) return;
            const error = `revert failed: ${(err as Error).message}`;
            problems.push(h.agentName);
            this.#host(r, h, { state: "revert-failed", error: h.error ? `${h.error}\n${error}` : error, finishedAt: Date.now() }, { ok: false, detail: error });
          }
        }),
      );
      if (signal.aborted) return;
    }
    const reason = r.reason + (problems.length ? `; could not revert ${problems.join(", ")}` : "; every host it touched is back on its previous version");
    this.#finish(r.id, "reverted", reason);
  }
}
