import "server-only";
// One machine, watched for as long as it is registered: AgentInfo when the console connects, then
// WatchServices and WatchPerf held open on the agent's shared HTTP/2 connection. Any error (the
// agent gone, a keep-alive PING unanswered, a stream ended) marks the machine down with the
// reason and tries again after a jittered, doubling wait; the first answer marks it up.
//
// What it keeps is fixed per machine: its facts, one MachineService per service, the latest perf
// figures and a 60-point sparkline. Reachability and service changes become fleet events.
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { AgentService, type WatchServicesResponse } from "@sysward/proto";
import type { Logger } from "pino";
import { SPARK_POINTS, SPARK_STEP_MS, type MachinePerf, type MachineService, type MachineState, type Reachability } from "../../shared/fleet-types";
import { agentClient, type AgentClient } from "../agents/agent-client";
import type { AgentConnection } from "../agents/agent-connection";
import { serverStream } from "../agents/server-stream";
import type { FleetEvent } from "../../shared/fleet-types";
import type { NewFleetEvent } from "./fleet-events";
import { infoFacts, perfFacts, serviceFacts } from "./machine-facts";
import { reconnectDelay } from "./reconnect-delay";

/** AgentInfo and PerfHistory at connect must answer within this. */
const CONNECT_TIMEOUT_MS = 5000;
/** An agent without WatchServices (an older one) is asked for its list this often instead. */
const LIST_POLL_MS = 5000;
/** Service states not worth an event of their own: the step between two that are. */
const TRANSIENT = new Set(["starting"]);

export interface MachineIdentity {
  id: string;
  name: string;
  address: string;
  labels: Record<string, string>;
}

export interface MachineWatchDeps {
  /** The agent's connection, asked for anew on each attempt. */
  connection: () => AgentConnection;
  reconnectMaxMs: number;
  /** One sample this often (WatchPerf's `every`): the fleet shows a trend, not a chart. */
  perfEveryMs: number;
  /** "status": anything but perf changed; "perf": a new sample (and maybe a sparkline point). */
  onChange: (what: "status" | "perf" | "spark") => void;
  record: (e: NewFleetEvent) => void;
  log: Logger;
  /** Its last up/down event, from before a console restart. */
  restored?: FleetEvent;
  /** Its services' last recorded states and versions. */
  recorded?: Map<string, { state?: string; version?: string }>;
}

function reasonOf(err: unknown): string {
  const ce = ConnectError.from(err);
  const code = Code[ce.code].replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : ` ${c.toLowerCase()}`));
  return `${code}: ${ce.rawMessage}`.slice(0, 300);
}

export class MachineWatch {
  #state: MachineState;
  readonly #deps: MachineWatchDeps;
  readonly #recorded: Map<string, { state?: string; version?: string }>;
  readonly #stop = new AbortController();
  #attempt = 0;
  /** Its last event said up: until it answers it shows "connecting", and answering is no change. */
  #restoredUp: boolean;
  #running: Promise<void> | undefined;

  constructor(who: MachineIdentity, deps: MachineWatchDeps) {
    this.#deps = deps;
    this.#recorded = deps.recorded ?? new Map();
    const r = deps.restored;
    this.#restoredUp = r?.kind === "machine.up";
    const reach: Reachability = r?.kind === "machine.down" ? "down" : "connecting";
    this.#state = { ...who, reach, since: r?.at ?? Date.now(), reason: r?.kind === "machine.down" ? r.detail : "", info: null, perf: null, services: [], failed: 0, spark: [], sparkT: 0 };
  }

  get state(): MachineState {
    return this.#state;
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  /** Stops watching; resolves when the streams are closed. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  /** New name or labels from the registry (the connection is untouched). */
  rename(who: MachineIdentity): void {
    const s = this.#state;
    if (s.name === who.name && s.address === who.address && JSON.stringify(s.labels) === JSON.stringify(who.labels)) return;
    this.#set({ name: who.name, address: who.address, labels: who.labels });
  }

  #set(patch: Partial<MachineState>, what: "status" | "perf" | "spark" = "status"): void {
    this.#state = { ...this.#state, ...patch };
    this.#deps.onChange(what);
  }

  async #loop(): Promise<void> {
    const stop = this.#stop.signal;
    while (!stop.aborted) {
      const attempt = new AbortController();
      const abort = () => attempt.abort();
      stop.addEventListener("abort", abort);
      try {
        await this.#watchOnce(attempt.signal);
        throw new ConnectError("the agent ended its streams", Code.Unavailable);
      } catch (err) {
        if (stop.aborted) break;
        // The console closed the connection itself (its client certificate was rotated, say):
        // nothing happened to the machine, so try again at once before calling it down.
        const ours = ConnectError.from(err).code === Code.Canceled && this.#state.reach === "up";
        if (!ours) this.#markDown(reasonOf(err));
        else this.#deps.log.info({ agentId: this.#state.id }, "connection closed by the console; reconnecting");
      } finally {
        stop.removeEventListener("abort", abort);
        attempt.abort();
      }
      await sleep(reconnectDelay(this.#attempt++, this.#deps.reconnectMaxMs), stop);
    }
  }

  /** One connection's life: resolves or throws when it ends. */
  async #watchOnce(signal: AbortSignal): Promise<void> {
    const conn = this.#deps.connection();
    const client = agentClient(conn);
    const info = await client.agentInfo({}, { signal, timeoutMs: CONNECT_TIMEOUT_MS });
    this.#set({ info: infoFacts(info) });
    await this.#seedSpark(client, signal);
    const every = Math.max(1, Math.round(this.#deps.perfEveryMs / Math.max(1, info.perfIntervalMs)));
    const services = this.#watchServices(conn, client, signal);
    const perf = this.#watchPerf(conn, signal, every);
    // Whichever ends first ends the connection's watch; the other is aborted with it.
    services.catch(() => {});
    perf.catch(() => {});
    await Promise.race([services, perf]);
  }

  async #seedSpark(client: AgentClient, signal: AbortSignal): Promise<void> {
    try {
      const start = Date.now() - SPARK_POINTS * SPARK_STEP_MS;
      const res = await client.perfHistory({ start: timestampFromMs(start), stepSeconds: SPARK_STEP_MS / 1000 }, { signal, timeoutMs: CONNECT_TIMEOUT_MS });
      const points = res.points.filter((p) => p.time).slice(-SPARK_POINTS);
      const last = points.at(-1);
      this.#set({ spark: points.map((p) => Math.round(p.cpuBusyPercent * 10) / 10), sparkT: last?.time ? timestampMs(last.time) : 0 }, "spark");
    } catch (err) {
      if (signal.aborted) throw err;
      // No history is no reason to call the machine down: the sparkline starts empty.
    }
  }

  // The two streams open for the machine's life go through serverStream, not connect's client:
  // a fraction of the memory a call (server-stream.ts says why, with the measurement).
  async #watchServices(conn: AgentConnection, client: AgentClient, signal: AbortSignal): Promise<void> {
    try {
      await serverStream(conn, AgentService.method.watchServices, {}, (m) => this.#onServices(m), { signal });
    } catch (err) {
      if (ConnectError.from(err).code !== Code.Unimplemented || signal.aborted) throw err;
      // An agent from before WatchServices: its list, now and then.
      this.#deps.log.info({ agentId: this.#state.id }, "agent has no WatchServices; polling ListServices");
      for (;;) {
        const res = await client.listServices({}, { signal, timeoutMs: CONNECT_TIMEOUT_MS });
        this.#onServices({ snapshot: true, services: res.services, removed: [] } as unknown as WatchServicesResponse);
        await sleep(LIST_POLL_MS, signal);
        if (signal.aborted) throw err;
      }
    }
  }

  async #watchPerf(conn: AgentConnection, signal: AbortSignal, every: number): Promise<void> {
    await serverStream(conn, AgentService.method.watchPerf, { every }, ({ sample }) => sample && this.#onPerf(perfFacts(sample)), { signal });
  }

  #onPerf(perf: MachinePerf): void {
    const s = this.#state;
    if (s.sparkT === 0 || perf.t - s.sparkT >= SPARK_STEP_MS) {
      const spark = [...s.spark, perf.cpuPercent].slice(-SPARK_POINTS);
      this.#set({ perf, spark, sparkT: perf.t }, "spark");
    } else {
      this.#set({ perf }, "perf");
    }
  }

  #onServices(m: WatchServicesResponse): void {
    const byName = new Map(m.snapshot ? [] : this.#state.services.map((s) => [s.name, s]));
    for (const p of m.services) byName.set(p.name, serviceFacts(p));
    for (const n of m.removed) byName.delete(n);
    const services = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const now = Date.now();
    for (const s of services) this.#recordService(s, now);
    // Gone: removed while we watched, or (a snapshot) while the console could not see this machine.
    const gone = m.snapshot ? [...this.#recorded.keys()].filter((n) => !byName.has(n)) : m.removed;
    for (const name of gone) {
      const last = this.#recorded.get(name);
      if (last && last.state !== "removed") this.#deps.record({ at: now, agentId: this.#state.id, kind: "service.state", service: name, state: "removed" });
      this.#recorded.delete(name);
    }
    this.#set({ services, failed: services.filter((s) => s.state === "failed").length });
    if (m.snapshot) this.#markUp();
  }

  #recordService(s: MachineService, now: number): void {
    const last = this.#recorded.get(s.name) ?? {};
    const id = this.#state.id;
    let changed = false;
    if (s.version && s.version !== last.version) {
      this.#deps.record({ at: now, agentId: id, kind: "service.version", service: s.name, state: s.version, detail: last.version ? `from ${last.version}` : "" });
      changed = true;
    }
    if (s.state !== last.state && !TRANSIENT.has(s.state)) {
      this.#deps.record({ at: now, agentId: id, kind: "service.state", service: s.name, state: s.state, detail: s.detail });
      changed = true;
    }
    if (changed || !this.#recorded.has(s.name)) this.#recorded.set(s.name, { state: TRANSIENT.has(s.state) ? last.state : s.state, version: s.version || last.version });
  }

  #markUp(): void {
    this.#attempt = 0;
    if (this.#state.reach === "up") return;
    const now = Date.now();
    if (this.#restoredUp) {
      // Up before a console restart and up now: up all along, as far as anyone saw.
      this.#restoredUp = false;
      this.#set({ reach: "up", reason: "" });
      return;
    }
    this.#deps.record({ at: now, agentId: this.#state.id, kind: "machine.up", state: "up" });
    this.#deps.log.info({ agentId: this.#state.id }, "machine up");
    this.#set({ reach: "up", since: now, reason: "" });
  }

  #markDown(reason: string): void {
    this.#restoredUp = false;
    const s = this.#state;
    if (s.reach === "down") {
      // Still down (maybe since before a console restart): the same "since", the latest reason.
      if (s.reason !== reason) this.#set({ reason });
      return;
    }
    const now = Date.now();
    this.#deps.record({ at: now, agentId: s.id, kind: "machine.down", state: "down", detail: reason });
    this.#deps.log.warn({ agentId: s.id, reason }, "machine down");
    this.#set({ reach: "down", since: now, reason });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    // A wait between tries never keeps the process alive on its own.
    const timer = setTimeout(done, ms).unref();
    signal.addEventListener("abort", done);
  });
}
