// Fans the collector's samples out to WatchPerf streams. Many watchers share the one collector;
// each has a mailbox of ONE slot: a new sample replaces an unread one and counts as dropped.
// So a watcher that reads slowly (or not at all, its HTTP/2 window full) costs one sample
// reference — and samples are shared frozen objects — however long it lags. A slow chart only
// needs the newest point; the count tells the client how many it missed.
import { DomainError } from "../domain-error";
import type { PerfSample } from "@sysward/proto";
import type { PerfCollector } from "./perf-collector";

export interface WatchedSample {
  sample: PerfSample;
  /** Samples this watcher missed so far because it had not read the previous one. */
  dropped: number;
}

export interface WatcherState {
  /** Samples waiting to be read: 0 or 1, by construction. */
  queued: number;
  dropped: number;
  delivered: number;
}

export interface PerfWatchersStats {
  active: number;
  /** Samples dropped across all watchers since the agent started. */
  droppedTotal: number;
}

class Mailbox implements WatcherState {
  #slot: PerfSample | undefined;
  #wake: (() => void) | undefined;
  #closed = false;
  dropped = 0;
  delivered = 0;

  get queued(): number {
    return this.#slot ? 1 : 0;
  }

  put(sample: PerfSample): void {
    if (this.#closed) return;
    if (this.#slot) this.dropped++;
    this.#slot = sample;
    this.#wake?.();
  }

  close(): void {
    this.#closed = true;
    this.#slot = undefined;
    this.#wake?.();
  }

  /** The waiting sample, or the next one; undefined once closed. */
  async take(): Promise<PerfSample | undefined> {
    while (!this.#slot && !this.#closed) await new Promise<void>((resolve) => (this.#wake = resolve));
    this.#wake = undefined;
    const s = this.#slot;
    this.#slot = undefined;
    if (s) this.delivered++;
    return s;
  }
}

export class PerfWatchers {
  readonly #collector: PerfCollector;
  readonly #maxWatchers: number;
  readonly #active = new Set<Mailbox>();
  #droppedEnded = 0;

  constructor(collector: PerfCollector, opts: { maxWatchers?: number } = {}) {
    this.#collector = collector;
    this.#maxWatchers = opts.maxWatchers ?? 1000;
  }

  /**
   * The latest sample at once, then every `every`-th new sample (0 and 1: each one). Ends
   * cleanly when `signal` aborts (client gone) or the collector stops (agent shutdown).
   * Cleanup is driven by those events, not by the consumer: a stream abandoned while
   * suspended at a yield still unsubscribes.
   */
  async *watch(opts: { every?: number; signal: AbortSignal }): AsyncGenerator<WatchedSample> {
    const every = Math.max(1, opts.every ?? 1);
    if (opts.signal.aborted || this.#collector.stopped) return;
    if (this.#active.size >= this.#maxWatchers) {
      throw new DomainError(
        `too many perf watchers (${this.#maxWatchers}); close some WatchPerf streams and retry`,
        "resource-exhausted",
      );
    }
    const first = this.#collector.latest();
    const box = new Mailbox();
    let seen = 0;
    let unsubscribe = () => {};
    const cleanup = () => {
      unsubscribe();
      opts.signal.removeEventListener("abort", cleanup);
      if (this.#active.delete(box)) this.#droppedEnded += box.dropped;
      box.close();
    };
    unsubscribe = this.#collector.subscribe((s) => {
      if (++seen % every === 0) box.put(s);
    }, cleanup);
    opts.signal.addEventListener("abort", cleanup);
    this.#active.add(box);
    try {
      box.delivered++;
      yield { sample: first, dropped: 0 };
      for (;;) {
        const sample = await box.take();
        if (!sample) return;
        yield { sample, dropped: box.dropped };
      }
    } finally {
      cleanup();
    }
  }

  /** One entry per open watcher (for tests and /debug/vars). */
  watchers(): WatcherState[] {
    return [...this.#active].map((b) => ({ queued: b.queued, dropped: b.dropped, delivered: b.delivered }));
  }

  stats(): PerfWatchersStats {
    let dropped = this.#droppedEnded;
    for (const b of this.#active) dropped += b.dropped;
    return { active: this.#active.size, droppedTotal: dropped };
  }
}
