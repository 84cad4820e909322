// Samples the machine every interval and keeps the latest sample as ONE frozen PerfSample whose
// reference is swapped in a single assignment (the seed's atomic.Value). Readers — RPCs,
// /debug/vars, watchers — only ever get that reference: they never touch /proc and never see
// half a sample. All reads are synchronous, so a collection cannot interleave with anything.
import { DomainError } from "../domain-error";
import type { PerfSample } from "@sysward/proto";
import { performance } from "node:perf_hooks";
import { clockTicksPerSecond } from "./host-constants";
import { DeviceReader } from "./device-reading";
import { readHost, type HostReading } from "./host-reading";
import { buildPerfSample } from "./perf-sample";
import { closeUnreadProcFiles } from "./proc-reader";
import { ProcessTreeReader, type TreeStrategy } from "./process-tree";
import type { CpuTicks } from "./proc-parsers";

/** Where samples go after they are published (PerfHistory implements it). */
export interface SampleSink {
  record(sample: PerfSample): void;
}

export type PerfErrorSource = "collect" | "history" | "subscriber";

export interface PerfCollectorOptions {
  /** Time between samples (SYSWARD_PERF_INTERVAL_MS). */
  intervalMs: number;
  /** Root pids of each running service (Runtime.pids), asked once per sample. */
  servicePids: () => ReadonlyMap<string, readonly number[]>;
  /** Each running service's own cgroup v2 directory where the runtime has one (Runtime.controlGroups). */
  serviceCgroups?: () => ReadonlyMap<string, string>;
  history?: SampleSink;
  /** Default "/proc". */
  procRoot?: string;
  /** How service process trees are found; default "auto" (see process-tree.ts). */
  treeStrategy?: "auto" | TreeStrategy;
  /** Gap between the two readings that make the first sample; default 150 ms. */
  warmupMs?: number;
  /** Collection keeps going after an error; this is where it is reported (e.g. a pino warn). */
  onError?: (err: unknown, source: PerfErrorSource) => void;
}

export interface PerfCollectorStats {
  samplesTaken: number;
  errors: number;
  /** Wall time of the last collection (reading /proc and building the sample), ms. */
  lastCollectMs: number;
  /** Current subscribers (WatchPerf streams). */
  watchers: number;
  treeStrategy: TreeStrategy;
  lastError?: string;
}

interface Subscriber {
  onSample: (s: PerfSample) => void;
  onStop?: () => void;
}

export class PerfCollector {
  readonly intervalMs: number;
  readonly #opts: PerfCollectorOptions;
  readonly #procRoot: string;
  readonly #tree: ProcessTreeReader;
  readonly #devices: DeviceReader;
  readonly #clockTicks = clockTicksPerSecond();
  readonly #subscribers = new Set<Subscriber>();
  #latest: PerfSample | undefined;
  #prev: HostReading | undefined;
  #timer: NodeJS.Timeout | undefined;
  #starting: Promise<void> | undefined;
  #stopped = false;
  #anchorMs = 0;
  #samplesTaken = 0;
  #errors = 0;
  #lastCollectMs = 0;
  #lastError: string | undefined;

  constructor(opts: PerfCollectorOptions) {
    if (!Number.isInteger(opts.intervalMs) || opts.intervalMs < 10) {
      throw new Error(`perf interval must be an integer of at least 10 ms, got ${opts.intervalMs}`);
    }
    this.intervalMs = opts.intervalMs;
    this.#opts = opts;
    this.#procRoot = opts.procRoot ?? "/proc";
    this.#tree = new ProcessTreeReader({ procRoot: this.#procRoot, strategy: opts.treeStrategy });
    this.#devices = new DeviceReader(this.#procRoot);
  }

  /** Resolves once the first sample exists (two readings warmupMs apart), then samples every interval. */
  start(): Promise<void> {
    if (this.#stopped) return Promise.reject(new Error("perf collector was stopped; make a new one"));
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    this.#prev = this.#read();
    await new Promise((resolve) => setTimeout(resolve, this.#opts.warmupMs ?? 150));
    if (this.#stopped) throw new Error("perf collector stopped before its first sample");
    this.#collect(true);
    this.#anchorMs = performance.now();
    this.#schedule();
  }

  /** Stops sampling and ends every subscription (their onStop runs). The latest sample stays readable. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    const subs = [...this.#subscribers];
    this.#subscribers.clear();
    for (const s of subs) this.#safely(() => s.onStop?.(), "subscriber");
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** The latest sample (frozen). Unavailable before start() has resolved. */
  latest(): PerfSample {
    if (!this.#latest) throw new DomainError("no perf sample yet: the agent is still starting", "unavailable");
    return this.#latest;
  }

  /**
   * Cumulative /proc/stat ticks (all cores) of the reading behind the latest sample, for counters
   * such as Prometheus' CPU seconds. Undefined before start() has resolved.
   */
  latestTicks(): Readonly<CpuTicks> | undefined {
    return this.#latest ? this.#prev?.stat.total : undefined;
  }

  /** USER_HZ: the unit of latestTicks(). */
  get clockTicksPerSecond(): number {
    return this.#clockTicks;
  }

  /**
   * onSample runs synchronously on the collector's tick for every new sample: keep it O(1)
   * (the WatchPerf mailbox just keeps a reference). onStop runs once when the collector stops.
   * Returns the unsubscribe function. Subscribing to a stopped collector calls onStop at once.
   */
  subscribe(onSample: (s: PerfSample) => void, onStop?: () => void): () => void {
    const sub: Subscriber = { onSample, onStop };
    if (this.#stopped) {
      this.#safely(() => onStop?.(), "subscriber");
      return () => {};
    }
    this.#subscribers.add(sub);
    return () => {
      this.#subscribers.delete(sub);
    };
  }

  stats(): PerfCollectorStats {
    return {
      samplesTaken: this.#samplesTaken,
      errors: this.#errors,
      lastCollectMs: this.#lastCollectMs,
      watchers: this.#subscribers.size,
      treeStrategy: this.#tree.strategy,
      ...(this.#lastError !== undefined && { lastError: this.#lastError }),
    };
  }

  #read(): HostReading {
    const reading = readHost(this.#procRoot, this.#tree, this.#opts.servicePids(), this.#devices, this.#opts.serviceCgroups?.());
    closeUnreadProcFiles(); // what this reading no longer needs (an exited process, a removed service)
    return reading;
  }

  /** One tick: read, build, swap, notify, record. `first` rethrows so start() can fail loudly. */
  #collect(first = false): void {
    const t0 = performance.now();
    let sample: PerfSample;
    try {
      const cur = this.#read();
      // No clock tick since the last reading (readings a few ms apart): every CPU share would
      // be 0. Keep the older baseline and publish nothing; the next tick covers both windows.
      if (!first && !ticksAdvanced(this.#prev!.stat.total, cur.stat.total)) return;
      sample = buildPerfSample(this.#prev!, cur, this.#clockTicks);
      this.#prev = cur;
    } catch (err) {
      if (first) throw err;
      this.#report(err, "collect");
      return;
    } finally {
      this.#lastCollectMs = performance.now() - t0;
    }
    this.#latest = sample; // the atomic swap
    this.#samplesTaken++;
    for (const s of this.#subscribers) this.#safely(() => s.onSample(sample), "subscriber");
    const history = this.#opts.history;
    if (history) this.#safely(() => history.record(sample), "history");
  }

  // Ticks land on anchor + k·interval, so the period does not drift by the collection time; a
  // tick missed (event loop blocked, machine suspended) is skipped, not caught up in a burst.
  #schedule(): void {
    if (this.#stopped) return;
    const now = performance.now();
    let k = Math.floor((now - this.#anchorMs) / this.intervalMs) + 1;
    // After a late tick the next slot can be only a few ms away: a window that short holds no
    // clock tick, so skip to the slot after.
    if (this.#anchorMs + k * this.intervalMs - now < this.intervalMs / 2) k++;
    const delay = this.#anchorMs + k * this.intervalMs - now;
    this.#timer = setTimeout(() => {
      if (this.#stopped) return;
      this.#collect();
      this.#schedule();
    }, delay);
    // The agent's servers keep the process alive; a collector alone must not.
    this.#timer.unref();
  }

  #safely(fn: () => void, source: PerfErrorSource): void {
    try {
      fn();
    } catch (err) {
      this.#report(err, source);
    }
  }

  #report(err: unknown, source: PerfErrorSource): void {
    this.#errors++;
    this.#lastError = `${source}: ${err instanceof Error ? err.message : String(err)}`;
    this.#opts.onError?.(err, source);
  }
}

function ticksAdvanced(prev: CpuTicks, cur: CpuTicks): boolean {
  const sum = (t: CpuTicks) => t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal;
  return sum(cur) !== sum(prev);
}
