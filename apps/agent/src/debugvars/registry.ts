// Expvar-style published variables: a name → a function that returns a JSON value,
// evaluated only when /debug/vars is read (like Go's expvar.Func). Publishers read
// cached state (the perf snapshot, counters), never the OS.
export type VarFunc = () => unknown;

export class VarRegistry {
  private readonly vars = new Map<string, VarFunc>();

  publish(name: string, fn: VarFunc): void {
    if (this.vars.has(name)) throw new Error(`debug var ${name} is already published`);
    this.vars.set(name, fn);
  }

  /** All variables, sorted by name as Go's expvar does. */
  snapshot(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const name of [...this.vars.keys()].sort()) {
      try {
        out[name] = this.vars.get(name)!();
      } catch (err) {
        out[name] = { error: String(err) };
      }
    }
    return out;
  }
}

/** Monotonic counters keyed by label, e.g. rpc calls by "Method code". */
export class CounterMap {
  private readonly counts = new Map<string, number>();

  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
