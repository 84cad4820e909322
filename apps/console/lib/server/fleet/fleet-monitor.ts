import "server-only";
// The console's one view of the whole fleet: a MachineWatch per registered machine, held by the
// server for as long as it runs (started with it, lib/server/bootstrap.ts), so that browsers, the
// API and the CLI read what is known in memory instead of each asking every agent.
//
// Changes are numbered: every change to a machine takes the next number, and a reader asks "what
// changed since n" (changesSince) and waits for a number past n (waitForChange). A reader holds
// one number, never a queue, so readers cost nothing that grows with the fleet or with time.
import type { FleetStreamEvents, MachineState, PerfDelta } from "../../shared/fleet-types";
import { agentConnection } from "../agents/agent-connection";
import { compareMachines } from "../../shared/fleet-filter";
import { getAgentRecord, listAgentRecords } from "../agents/registry";
import { inBackground } from "../background-context";
import { onRegistryChange } from "../agents/registry-changes";
import { getConfig } from "../config";
import { getLogger } from "../log";
import { lastReachability, lastServiceFacts, pruneFleetEvents, recordFleetEvent } from "./fleet-events";
import { MachineWatch } from "./machine-watch";

/** Removed machines remembered so a reader learns of the removal; older readers get a snapshot. */
const MAX_REMOVED = 1000;
const PRUNE_EVERY_MS = 3600_000;

interface Entry {
  watch: MachineWatch;
  /** Address and credential: a change means a new connection. */
  fingerprint: string;
  statusRev: number;
  perfRev: number;
  sparkRev: number;
}

export type FleetChanges =
  | { kind: "snapshot"; rev: number; snapshot: FleetStreamEvents["snapshot"] }
  | { kind: "delta"; rev: number; machines: MachineState[]; removed: string[]; perf: Record<string, PerfDelta> };

export interface FleetMonitorOptions {
  /** Labels of every machine (lib/server/fleet/labels.ts). */
  labels: () => Map<string, Record<string, string>>;
}

export class FleetMonitor {
  readonly #entries = new Map<string, Entry>();
  readonly #removed: Array<{ id: string; rev: number }> = [];
  readonly #waiters = new Set<() => void>();
  /** Woken by status changes only (not samples). */
  readonly #statusWaiters = new Set<() => void>();
  readonly #o: FleetMonitorOptions;
  #rev = 0;
  #statusRev = 0;
  #oldestRemovalKnown = 0;
  #syncQueued = false;
  #stopped = false;
  #unsubscribe: () => void = () => {};
  #pruneTimer: NodeJS.Timeout | undefined;

  constructor(o: FleetMonitorOptions) {
    this.#o = o;
  }

  get rev(): number {
    return this.#rev;
  }

  start(): void {
    inBackground(() => this.#start());
  }

  #start(): void {
    const config = getConfig();
    const prune = () => {
      try {
        const n = pruneFleetEvents(Date.now(), config.eventRetentionDays, config.eventMaxRows);
        if (n > 0) getLogger().info({ pruned: n }, "pruned old fleet events");
      } catch (err) {
        getLogger().warn({ err }, "could not prune fleet events");
      }
    };
    prune();
    this.#pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
    this.#pruneTimer.unref();
    this.#unsubscribe = onRegistryChange(() => this.#queueSync());
    this.sync(true);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    clearInterval(this.#pruneTimer);
    const watches = [...this.#entries.values()].map((e) => e.watch.stop());
    this.#entries.clear();
    this.#wake();
    for (const w of [...this.#statusWaiters]) w();
    await Promise.all(watches);
  }

  /**
   * Brings the watched machines in line with the registry (and labels). A registration request
   * leads here: the watches it starts live in the server's boot context, so they never keep that
   * request (background-context.ts).
   */
  sync(first = false): void {
    inBackground(() => this.#sync(first));
  }

  #sync(first: boolean): void {
    if (this.#stopped) return;
    const records = listAgentRecords();
    const labels = this.#o.labels();
    const restored = first ? lastReachability() : new Map();
    const recorded = first ? lastServiceFacts() : new Map();
    const seen = new Set<string>();
    for (const r of records) {
      seen.add(r.id);
      const who = { id: r.id, name: r.name, address: r.address, labels: labels.get(r.id) ?? {} };
      const fingerprint = `${r.address}\n${JSON.stringify(r.credential)}`;
      const existing = this.#entries.get(r.id);
      if (existing && existing.fingerprint === fingerprint) {
        existing.watch.rename(who);
        continue;
      }
      if (existing) void existing.watch.stop();
      const entry: Entry = { fingerprint, statusRev: 0, perfRev: 0, sparkRev: 0, watch: undefined as unknown as MachineWatch };
      entry.watch = new MachineWatch(who, {
        // The registry's current record: a rotated credential file path, say, takes effect on the next try.
        connection: () => agentConnection(getAgentRecord(r.id) ?? r),
        reconnectMaxMs: getConfig().fleetReconnectMaxMs,
        perfEveryMs: getConfig().fleetPerfMs,
        onChange: (what) => this.#changed(entry, what),
        record: recordFleetEvent,
        log: getLogger(),
        restored: restored.get(r.id),
        recorded: recorded.get(r.id),
      });
      this.#entries.set(r.id, entry);
      this.#changed(entry, "status");
      entry.watch.start();
    }
    for (const [id, entry] of this.#entries) {
      if (seen.has(id)) continue;
      void entry.watch.stop();
      this.#entries.delete(id);
      this.#removedOne(id);
    }
  }

  /** This machine's own agent first, then by name. */
  list(): MachineState[] {
    return [...this.#entries.values()]
      .map((e) => e.watch.state)
      .sort(compareMachines);
  }

  get(id: string): MachineState | undefined {
    return this.#entries.get(id)?.watch.state;
  }

  /** What changed after `rev` (0: everything, as a snapshot). */
  changesSince(rev: number): FleetChanges {
    const now = this.#rev;
    if (rev <= 0 || rev < this.#oldestRemovalKnown || rev > now) {
      return { kind: "snapshot", rev: now, snapshot: { machines: this.list(), serverTime: Date.now() } };
    }
    const machines: MachineState[] = [];
    const perf: Record<string, PerfDelta> = {};
    for (const e of this.#entries.values()) {
      const s = e.watch.state;
      if (e.statusRev > rev) machines.push(s);
      else if (e.perfRev > rev && s.perf) perf[s.id] = e.sparkRev > rev ? { perf: s.perf, spark: s.spark.at(-1) } : { perf: s.perf };
    }
    const removed = this.#removed.filter((r) => r.rev > rev).map((r) => r.id);
    return { kind: "delta", rev: now, machines, removed, perf };
  }

  /** Resolves once something changes after `rev`, or when `signal` aborts. */
  waitForChange(rev: number, signal: AbortSignal): Promise<void> {
    return this.#wait(this.#waiters, this.#rev > rev, signal);
  }

  /** Resolves once a machine's status (not just its perf) changes after `rev`, or when `signal` aborts. */
  waitForStatusChange(rev: number, signal: AbortSignal): Promise<void> {
    return this.#wait(this.#statusWaiters, this.#statusRev > rev, signal);
  }

  #wait(waiters: Set<() => void>, already: boolean, signal: AbortSignal): Promise<void> {
    if (already || signal.aborted || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        waiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      waiters.add(done);
      signal.addEventListener("abort", done);
    });
  }

  /** Resolves when no machine is still "connecting" (the first answers after a start), or after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<void> {
    const deadline = AbortSignal.timeout(timeoutMs);
    while (!deadline.aborted && this.list().some((m) => m.reach === "connecting")) await this.waitForChange(this.#rev, deadline);
  }

  #changed(entry: Entry, what: "status" | "perf" | "spark"): void {
    const rev = ++this.#rev;
    if (what === "status") {
      entry.statusRev = this.#statusRev = rev;
      for (const w of [...this.#statusWaiters]) w();
    } else {
      entry.perfRev = rev;
      if (what === "spark") entry.sparkRev = rev;
    }
    this.#wake();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** A removal is a status change too. */
  #removedOne(id: string): void {
    const rev = ++this.#rev;
    this.#removed.push({ id, rev });
    if (this.#removed.length > MAX_REMOVED) this.#oldestRemovalKnown = this.#removed.shift()!.rev;
    this.#statusRev = rev;
    for (const w of [...this.#statusWaiters]) w();
    this.#wake();
  }

  #queueSync(): void {
    if (this.#syncQueued) return;
    this.#syncQueued = true;
    setImmediate(() => {
      this.#syncQueued = false;
      try {
        this.sync();
      } catch (err) {
        getLogger().error({ err }, "fleet monitor could not read the registry");
      }
    });
  }
}
