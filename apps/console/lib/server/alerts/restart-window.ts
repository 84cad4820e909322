// How many times each service restarted lately: the restart counts seen per (machine, service),
// kept only while inside the longest window a rule asks about and at most MAX_POINTS each, so
// memory stays fixed per service whatever a crash loop does. Pure: no I/O.

const MAX_POINTS = 64;

export class RestartWindow {
  readonly #points = new Map<string, Array<{ t: number; restarts: number }>>();

  /** Notes the counter as seen at `t` (only a change is kept). */
  observe(agentId: string, service: string, restarts: number, t: number): void {
    const key = `${agentId}\n${service}`;
    let pts = this.#points.get(key);
    if (!pts) this.#points.set(key, (pts = []));
    const last = pts.at(-1);
    // A counter that went back (a reinstall, an agent that forgot): start over from it.
    if (last && restarts < last.restarts) pts.length = 0;
    if (!last || restarts !== last.restarts || pts.length === 0) pts.push({ t, restarts });
    if (pts.length > MAX_POINTS) pts.splice(0, pts.length - MAX_POINTS);
  }

  /** Restarts counted within the `windowMs` before `now`. */
  restartsWithin(agentId: string, service: string, windowMs: number, now: number): number {
    const pts = this.#points.get(`${agentId}\n${service}`);
    if (!pts || pts.length === 0) return 0;
    const latest = pts.at(-1)!.restarts;
    // The newest count at or before the window's start is the baseline; else the oldest known.
    let base = pts[0]!.restarts;
    for (const p of pts) {
      if (p.t <= now - windowMs) base = p.restarts;
      else break;
    }
    return latest - base;
  }

  /** Drops what no window reaches any more, and services no longer seen. */
  prune(keep: (agentId: string, service: string) => boolean, windowMs: number, now: number): void {
    for (const [key, pts] of this.#points) {
      const [agentId, service] = key.split("\n") as [string, string];
      if (!keep(agentId, service)) {
        this.#points.delete(key);
        continue;
      }
      // Keep one point at or before the window's start as the baseline.
      let cut = 0;
      while (cut + 1 < pts.length && pts[cut + 1]!.t <= now - windowMs) cut++;
      if (cut > 0) pts.splice(0, cut);
    }
  }
}
