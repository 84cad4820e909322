// Per-service CPU seconds as a monotonic counter. The perf code keeps per-process ticks only
// between two readings and publishes each service's CPU share of the interval; integrating that
// share over every sample (share × interval) gives the CPU time the service used, summed over
// its whole process tree, restarts included. What a process used in the part of an interval
// before it exited is lost, as in the samples themselves (see perf/service-usage.ts).
import type { PerfSample } from "@sysward/proto";

export class ServiceCpuSeconds {
  readonly #totals = new Map<string, number>();

  /** Called with every perf sample (PerfCollector.subscribe): O(services). */
  add(sample: PerfSample): void {
    const seconds = sample.intervalMs / 1000;
    for (const s of sample.services) {
      this.#totals.set(s.name, (this.#totals.get(s.name) ?? 0) + (s.cpuPercent / 100) * seconds);
    }
  }

  /** CPU seconds counted for the service since the agent started (0 if never seen running). */
  get(name: string): number {
    return this.#totals.get(name) ?? 0;
  }

  /** Drops services that no longer exist, so removed names do not pile up. */
  retainOnly(names: ReadonlySet<string>): void {
    for (const name of this.#totals.keys()) if (!names.has(name)) this.#totals.delete(name);
  }
}
