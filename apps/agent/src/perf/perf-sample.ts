// Pure: two host readings → one PerfSample proto message, deeply frozen. The collector swaps
// the reference atomically; a frozen message cannot be half-updated by anyone who holds it.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { PerfSampleSchema, type PerfSample } from "@sysward/proto";
import { corePercents, cpuPercents } from "./cpu-delta";
import type { HostReading } from "./host-reading";
import { deviceUsage } from "./device-usage";
import { serviceUsage } from "./service-usage";

export function buildPerfSample(prev: HostReading, cur: HostReading, clockTicks: number): PerfSample {
  const m = cur.mem;
  const used = Math.max(0, m.totalBytes - m.availableBytes);
  const sample = create(PerfSampleSchema, {
    time: timestampFromMs(cur.wallMs),
    // What the percentages cover: the real gap between the two readings, not the nominal interval.
    intervalMs: Math.max(0, Math.round(cur.monoMs - prev.monoMs)),
    cpu: cpuPercents(prev.stat.total, cur.stat.total),
    cores: corePercents(prev.stat, cur.stat).map((c) => ({ id: c.id, times: c.times })),
    memory: {
      totalBytes: BigInt(m.totalBytes),
      freeBytes: BigInt(m.freeBytes),
      availableBytes: BigInt(m.availableBytes),
      usedBytes: BigInt(used),
      buffersBytes: BigInt(m.buffersBytes),
      cachedBytes: BigInt(m.cachedBytes),
      swapTotalBytes: BigInt(m.swapTotalBytes),
      swapFreeBytes: BigInt(m.swapFreeBytes),
      usedPercent: m.totalBytes > 0 ? (used / m.totalBytes) * 100 : 0,
    },
    load: cur.load,
    services: serviceUsage(prev.tree, cur.tree, clockTicks).map((s) => ({
      name: s.name,
      cpuPercent: s.cpuPercent,
      rssBytes: BigInt(s.rssBytes),
      processCount: s.processCount,
    })),
    ...deviceUsage(prev.devices, cur.devices, cur.monoMs - prev.monoMs),
  });
  return deepFreeze(sample);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
