// The variables every agent publishes: Go expvar's built-ins (cmdline, memstats) in Node terms.
import type { VarRegistry } from "./registry";

export function publishProcessVars(registry: VarRegistry): void {
  registry.publish("cmdline", () => process.argv);
  registry.publish("memstats", () => {
    const m = process.memoryUsage();
    const r = process.resourceUsage();
    return {
      rss: m.rss,
      heapTotal: m.heapTotal,
      heapUsed: m.heapUsed,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      maxRSSKiB: r.maxRSS,
      userCPUMicros: r.userCPUTime,
      systemCPUMicros: r.systemCPUTime,
    };
  });
}
