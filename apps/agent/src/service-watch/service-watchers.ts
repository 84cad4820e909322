// Fans service changes out to WatchServices streams. The runtimes tell nobody when a service
// crashes, backs off or is restarted (Runtime has no events; inspect() is all there is), so ONE
// poll of the service list runs while anyone watches, however many watch, and the manager's own
// changes (installs' phases, start/stop/remove) ask for an early look. Each look compares every
// service with what was seen last; what differs is marked on each watcher.
//
// A watcher holds a set of NAMES, never a queue of states: a slow reader (or one whose HTTP/2
// window is full) gets each changed service once, as it is when it reads, and `coalesced` counts
// the changes it did not see one by one. So a watcher costs at most one name per service.
import { DomainError } from "../domain-error";
import type { ServiceView } from "../install/service-types";

export interface ServiceWatchersOptions {
  /** Every service as it is now (ServiceManager.list). */
  list: () => Promise<ServiceView[]>;
  /** Time between looks while someone watches (SYSWARD_SERVICE_WATCH_MS). */
  pollMs: number;
  maxWatchers?: number;
  onError?: (err: unknown) => void;
}

export interface ServiceChanges {
  /** True for the first message of a watch: `services` is the whole list. */
  snapshot: boolean;
  services: ServiceView[];
  removed: string[];
  /** Changes merged into later ones because this watcher had not read yet, so far. */
  coalesced: number;
}

export interface ServiceWatchersStats {
  active: number;
  looks: number;
  /** Changes found, once per service per look (not per watcher). */
  changes: number;
  coalescedTotal: number;
}

class Mailbox {
  readonly dirty = new Set<string>();
  #wake: (() => void) | undefined;
  #closed = false;
  coalesced = 0;

  mark(name: string): void {
    if (this.#closed) return;
    if (this.dirty.has(name)) this.coalesced++;
    else this.dirty.add(name);
    this.#wake?.();
  }

  close(): void {
    this.#closed = true;
    this.dirty.clear();
    this.#wake?.();
  }

  /** The names changed since the last take, waiting for one; undefined once closed. */
  async take(): Promise<string[] | undefined> {
    while (this.dirty.size === 0 && !this.#closed) await new Promise<void>((resolve) => (this.#wake = resolve));
    this.#wake = undefined;
    if (this.#closed) return undefined;
    const names = [...this.dirty];
    this.dirty.clear();
    return names;
  }
}

/** What decides "changed": everything a person sees of a service, as one string. */
function fingerprint(v: ServiceView): string {
  return JSON.stringify(v);
}

export class ServiceWatchers {
  readonly #o: ServiceWatchersOptions;
  readonly #maxWatchers: number;
  readonly #active = new Set<Mailbox>();
  /** The last look: name → view and its fingerprint. */
  readonly #seen = new Map<string, { view: ServiceView; fp: string }>();
  #looking: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #soon: NodeJS.Immediate | undefined;
  #closed = false;
  #looks = 0;
  #changes = 0;
  #coalescedEnded = 0;

  constructor(o: ServiceWatchersOptions) {
    if (!Number.isInteger(o.pollMs) || o.pollMs < 10) throw new Error(`service watch interval must be an integer of at least 10 ms, got ${o.pollMs}`);
    this.#o = o;
    this.#maxWatchers = o.maxWatchers ?? 1000;
  }

  /** The manager changed `name` (or some service): look soon rather than at the next tick. */
  changed(): void {
    if (this.#active.size === 0 || this.#soon || this.#closed) return;
    this.#soon = setImmediate(() => {
      this.#soon = undefined;
      void this.#look();
    });
  }

  /**
   * Every service now, then the changed ones as they change, until `signal` aborts or close().
   * Cleanup is driven by those events, not by the consumer, so a stream abandoned at a yield
   * still unsubscribes.
   */
  async *watch(signal: AbortSignal): AsyncGenerator<ServiceChanges> {
    if (signal.aborted || this.#closed) return;
    if (this.#active.size >= this.#maxWatchers) {
      throw new DomainError(`too many service watchers (${this.#maxWatchers}); close some WatchServices streams and retry`, "resource-exhausted");
    }
    const box = new Mailbox();
    const cleanup = () => {
      signal.removeEventListener("abort", cleanup);
      if (this.#active.delete(box)) this.#coalescedEnded += box.coalesced;
      box.close();
      if (this.#active.size === 0) this.#stopPolling();
    };
    signal.addEventListener("abort", cleanup);
    this.#active.add(box);
    try {
      // A fresh look, so the snapshot is now and not one poll interval old.
      await this.#look();
      this.#startPolling();
      if (signal.aborted) return;
      box.dirty.clear();
      yield { snapshot: true, services: [...this.#seen.values()].map((s) => s.view), removed: [], coalesced: 0 };
      for (;;) {
        const names = await box.take();
        if (!names) return;
        const services: ServiceView[] = [];
        const removed: string[] = [];
        for (const n of names) {
          const s = this.#seen.get(n);
          if (s) services.push(s.view);
          else removed.push(n);
        }
        yield { snapshot: false, services, removed, coalesced: box.coalesced };
      }
    } finally {
      cleanup();
    }
  }

  stats(): ServiceWatchersStats {
    let coalesced = this.#coalescedEnded;
    for (const b of this.#active) coalesced += b.coalesced;
    return { active: this.#active.size, looks: this.#looks, changes: this.#changes, coalescedTotal: coalesced };
  }

  /** Agent shutdown: every watch ends. */
  close(): void {
    this.#closed = true;
    this.#stopPolling();
    for (const b of [...this.#active]) b.close();
    this.#active.clear();
  }

  #startPolling(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setInterval(() => void this.#look(), this.#o.pollMs);
    this.#timer.unref();
  }

  #stopPolling(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#soon) clearImmediate(this.#soon);
    this.#soon = undefined;
  }

  /** One look at a time; a request during one runs one more after it (changes must not be missed). */
  #look(): Promise<void> {
    if (this.#looking) {
      this.#again = true;
      return this.#looking;
    }
    this.#looking = (async () => {
      do {
        this.#again = false;
        await this.#lookOnce();
      } while (this.#again && !this.#closed);
    })().finally(() => (this.#looking = undefined));
    return this.#looking;
  }

  async #lookOnce(): Promise<void> {
    let views: ServiceView[];
    try {
      views = await this.#o.list();
    } catch (err) {
      this.#o.onError?.(err);
      return;
    }
    this.#looks++;
    const now = new Set<string>();
    for (const view of views) {
      now.add(view.name);
      const fp = fingerprint(view);
      const before = this.#seen.get(view.name);
      if (before?.fp === fp) continue;
      this.#seen.set(view.name, { view, fp });
      this.#announce(view.name);
    }
    for (const name of [...this.#seen.keys()]) {
      if (now.has(name)) continue;
      this.#seen.delete(name);
      this.#announce(name);
    }
  }

  #announce(name: string): void {
    this.#changes++;
    for (const b of this.#active) b.mark(name);
  }
}
