// The machine families from a REAL PerfCollector on the live /proc, into a private Registry.
import { readFileSync } from "node:fs";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { PerfCollector } from "../perf/perf-collector";
import { parseStat } from "../perf/proc-parsers";
import { waitFor } from "../runtime/testing/wait-for";
import { registerSystemMetrics } from "./system-metrics";
import { ParsedMetrics } from "./testing/parsed-metrics";

describe("system metrics", () => {
  let collector: PerfCollector | undefined;
  afterEach(() => collector?.stop());

  it("expose the collector's latest cumulative ticks as CPU seconds, and its latest sample", async () => {
    collector = new PerfCollector({ intervalMs: 50, servicePids: () => new Map() });
    expect(collector.latestTicks()).toBeUndefined();
    await collector.start();
    await waitFor(() => collector!.stats().samplesTaken >= 3, "three samples");
    await collector.stop(); // freezes latest() and latestTicks()
    const ticks = collector.latestTicks()!;
    const now = parseStat(readFileSync("/proc/stat", "utf8")).total;
    for (const mode of Object.keys(now) as (keyof typeof now)[]) expect(ticks[mode]).toBeLessThanOrEqual(now[mode]);

    const registry = new Registry();
    registerSystemMetrics(registry, collector);
    const m = new ParsedMetrics(await registry.metrics());
    const hz = collector.clockTicksPerSecond;
    expect(m.value("sysward_system_cpu_seconds_total", { mode: "idle" })).toBeCloseTo(ticks.idle / hz, 6);
    expect(m.value("sysward_system_cpu_seconds_total", { mode: "user" })).toBeCloseTo(ticks.user / hz, 6);
    const sample = collector.latest();
    expect(m.value("sysward_system_memory_total_bytes")).toBe(Number(sample.memory!.totalBytes));
    expect(m.value("sysward_system_load15")).toBe(sample.load!.fifteen);
    expect(m.value("sysward_system_cpus")).toBe(sample.cores.length);
    expect(m.value("sysward_agent_perf_samples_total")).toBe(collector.stats().samplesTaken);
    // A scrape reads cached state only: two in a row agree exactly.
    expect(await registry.metrics()).toBe(await registry.metrics());
  });
});
