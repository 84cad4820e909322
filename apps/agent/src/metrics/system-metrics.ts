// The machine as the perf collector last saw it: CPU seconds by mode (counters from the cumulative
// /proc/stat ticks of the latest reading), memory, load, and the collector's own health.
// Every value comes from the cached sample: a scrape never reads /proc.
import type { PerfSample } from "@sysward/proto";
import { Counter, Gauge, type Registry } from "prom-client";
import type { PerfCollector } from "../perf/perf-collector";
import type { CpuTicks } from "../perf/proc-parsers";

const CPU_MODES = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"] as const satisfies readonly (keyof CpuTicks)[];

type PerfSource = Pick<PerfCollector, "latest" | "latestTicks" | "clockTicksPerSecond" | "stats">;

export function registerSystemMetrics(registry: Registry, perf: PerfSource): void {
  const registers = [registry];
  const latest = (): PerfSample | undefined => {
    try {
      return perf.latest();
    } catch {
      return undefined; // no sample yet (the agent serves only after the first one, so rare)
    }
  };
  /** A gauge without labels whose value is read from the latest sample. */
  const fromSample = (name: string, help: string, read: (s: PerfSample) => number | bigint | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const s = latest();
        const v = s && read(s);
        if (v !== undefined) this.set(Number(v));
      },
    });

  new Counter({
    name: "sysward_system_cpu_seconds_total",
    help: "CPU time of all cores together since boot, by mode (/proc/stat as of the latest perf sample).",
    labelNames: ["mode"],
    registers,
    collect() {
      const ticks = perf.latestTicks();
      if (!ticks) return;
      this.reset();
      for (const mode of CPU_MODES) this.inc({ mode }, ticks[mode] / perf.clockTicksPerSecond);
    },
  });
  fromSample("sysward_system_cpus", "Online CPU cores in the latest perf sample.", (s) => s.cores.length);
  fromSample("sysward_system_memory_total_bytes", "MemTotal.", (s) => s.memory?.totalBytes);
  fromSample("sysward_system_memory_available_bytes", "MemAvailable: what can be given to new work without swapping.", (s) => s.memory?.availableBytes);
  fromSample("sysward_system_memory_used_bytes", "MemTotal - MemAvailable.", (s) => s.memory?.usedBytes);
  fromSample("sysward_system_memory_free_bytes", "MemFree.", (s) => s.memory?.freeBytes);
  fromSample("sysward_system_memory_buffers_bytes", "Buffers.", (s) => s.memory?.buffersBytes);
  fromSample("sysward_system_memory_cached_bytes", "Cached.", (s) => s.memory?.cachedBytes);
  fromSample("sysward_system_swap_total_bytes", "SwapTotal.", (s) => s.memory?.swapTotalBytes);
  fromSample("sysward_system_swap_free_bytes", "SwapFree.", (s) => s.memory?.swapFreeBytes);
  fromSample("sysward_system_load1", "Load average over 1 minute.", (s) => s.load?.one);
  fromSample("sysward_system_load5", "Load average over 5 minutes.", (s) => s.load?.five);
  fromSample("sysward_system_load15", "Load average over 15 minutes.", (s) => s.load?.fifteen);
  fromSample("sysward_system_sample_timestamp_seconds", "Wall-clock time of the latest perf sample (its age shows a stalled collector).", (s) =>
    s.time ? Number(s.time.seconds) + s.time.nanos / 1e9 : undefined,
  );

  new Counter({
    name: "sysward_agent_perf_samples_total",
    help: "Perf samples the collector has published.",
    registers,
    collect() {
      this.reset();
      this.inc(perf.stats().samplesTaken);
    },
  });
  new Counter({
    name: "sysward_agent_perf_errors_total",
    help: "Perf collection, history or subscriber errors (the collector keeps going).",
    registers,
    collect() {
      this.reset();
      this.inc(perf.stats().errors);
    },
  });
  new Gauge({
    name: "sysward_agent_perf_collect_seconds",
    help: "Wall time of the last collection (reading /proc and building the sample).",
    registers,
    collect() {
      this.set(perf.stats().lastCollectMs / 1000);
    },
  });
}
