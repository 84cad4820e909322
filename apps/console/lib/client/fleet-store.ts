// The fleet in the browser, kept current by ONE request: the console's Server-Sent Events stream
// (GET /api/fleet/stream). A snapshot replaces everything; `machines` frames replace whole
// machines and drop removed ones; `perf` frames update figures and sparklines. Machines are
// replaced, never mutated, so a card re-renders only when its own machine changed.
import { useEffect, useState, useSyncExternalStore } from "react";
import { compareMachines } from "../shared/fleet-filter";
import { SPARK_POINTS, type FleetStreamEvents, type MachineState } from "../shared/fleet-types";

/** `live`: the stream is open; `lost`: it dropped and the browser is reconnecting. */
export type FleetStreamStatus = "connecting" | "live" | "lost";

export interface FleetView {
  /** This machine's own agent first, then by name (as the server orders them). */
  machines: readonly MachineState[];
  status: FleetStreamStatus;
  /** False until the first snapshot arrived. */
  loaded: boolean;
}

const STREAM_URL = "/api/fleet/stream";
/** After the server refuses the stream (a session that ended), try again this much later. */
const REOPEN_MS = 5000;

export class FleetStore {
  #byId = new Map<string, MachineState>();
  #view: FleetView = { machines: [], status: "connecting", loaded: false };
  readonly #listeners = new Set<() => void>();
  #source: EventSource | undefined;
  #reopen: ReturnType<typeof setTimeout> | undefined;
  #order: string[] = [];

  subscribe = (fn: () => void): (() => void) => {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  };

  getSnapshot = (): FleetView => this.#view;

  open(): void {
    const source = new EventSource(STREAM_URL);
    this.#source = source;
    source.addEventListener("open", () => this.#publish({ status: "live" }));
    source.addEventListener("error", () => {
      this.#publish({ status: "lost" });
      // EventSource retries by itself after a dropped stream, but not after an error status.
      if (source.readyState === EventSource.CLOSED) this.#reopen = setTimeout(() => this.open(), REOPEN_MS);
    });
    source.addEventListener("snapshot", (e) => this.#snapshot(parse<"snapshot">(e)));
    source.addEventListener("machines", (e) => this.#machines(parse<"machines">(e)));
    source.addEventListener("perf", (e) => this.#perf(parse<"perf">(e)));
  }

  close(): void {
    clearTimeout(this.#reopen);
    this.#source?.close();
    this.#source = undefined;
  }

  #snapshot(d: FleetStreamEvents["snapshot"]): void {
    this.#byId = new Map(d.machines.map((m) => [m.id, m]));
    this.#order = d.machines.map((m) => m.id);
    this.#publish({ loaded: true, status: "live" }, true);
  }

  #machines(d: FleetStreamEvents["machines"]): void {
    let reorder = d.removed.length > 0;
    for (const id of d.removed) this.#byId.delete(id);
    for (const m of d.machines) {
      const before = this.#byId.get(m.id);
      if (!before || before.name !== m.name) reorder = true;
      this.#byId.set(m.id, m);
    }
    if (reorder) this.#order = [...this.#byId.values()].sort(compareMachines).map((m) => m.id);
    this.#publish({}, true);
  }

  #perf(d: FleetStreamEvents["perf"]): void {
    for (const [id, p] of Object.entries(d.perf)) {
      const m = this.#byId.get(id);
      if (!m) continue;
      const spark = p.spark === undefined ? m.spark : [...m.spark, p.spark].slice(-SPARK_POINTS);
      this.#byId.set(id, { ...m, perf: p.perf, spark, sparkT: p.spark === undefined ? m.sparkT : p.perf.t });
    }
    this.#publish({}, true);
  }

  #publish(patch: Partial<FleetView>, machinesChanged = false): void {
    const machines = machinesChanged ? this.#order.map((id) => this.#byId.get(id)!).filter(Boolean) : this.#view.machines;
    this.#view = { ...this.#view, ...patch, machines };
    for (const fn of this.#listeners) fn();
  }
}

function parse<K extends keyof FleetStreamEvents>(e: Event): FleetStreamEvents[K] {
  return JSON.parse((e as MessageEvent<string>).data) as FleetStreamEvents[K];
}

const EMPTY: FleetView = { machines: [], status: "connecting", loaded: false };

/** The fleet, live, for as long as the calling component is mounted. */
export function useFleet(): FleetView {
  const [store] = useState(() => new FleetStore());
  useEffect(() => {
    store.open();
    return () => store.close();
  }, [store]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, () => EMPTY);
}
