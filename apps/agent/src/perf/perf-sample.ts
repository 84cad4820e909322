// Pure: two host readings → one PerfSample proto message, deeply frozen. The collector swaps
// the reference atomically; a frozen message cannot be half-updated by anyone who holds it.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { PerfSampleSchema, ServiceAccounting, type PerfSample, type ServicePerfSchema } from "@sysward/proto";
import { cgroupUsage } from "./cgroup-usage";
import { corePercents, cpuPercents } from "./cpu-delta";
import type { HostReading } from "./host-reading";
import { deviceUsage } from "./device-usage";
import { serviceUsage, type ServiceUsage } from "./service-usage";

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
    services: services(prev, cur, clockTicks).map(servicePerf),
    ...deviceUsage(prev.devices, cur.devices, cur.monoMs - prev.monoMs),
  });
  return deepFreeze(sample);
}

/** Each service once, by name: from its cgroup where it has one (RSS from its tree if need be), else from its tree. */
function services(prev: HostReading, cur: HostReading, clockTicks: number): ServiceUsage[] {
  const byTree = serviceUsage(prev.tree, cur.tree, clockTicks);
  if (cur.cgroups.size === 0) return byTree;
  const treeRss = new Map(byTree.map((u) => [u.name, u.rssBytes]));
  const byCgroup = [...cur.cgroups].map(([name, r]) => cgroupUsage(name, prev.cgroups.get(name), r, cur.monoMs - prev.monoMs, treeRss.get(name)));
  return [...byTree.filter((u) => !cur.cgroups.has(u.name)), ...byCgroup].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function servicePerf(s: ServiceUsage): MessageInitShape<typeof ServicePerfSchema> {
  const big = (n: number) => BigInt(Math.round(n));
  return {
    name: s.name,
    accounting: s.accounting === "cgroup" ? ServiceAccounting.CGROUP : ServiceAccounting.PROCESS_TREE,
    cpuPercent: s.cpuPercent,
    rssBytes: big(s.rssBytes),
    processCount: s.processCount,
    ...(s.memoryBytes !== undefined && { memoryBytes: big(s.memoryBytes) }),
    ...(s.memoryPeakBytes !== undefined && { memoryPeakBytes: big(s.memoryPeakBytes) }),
    ...(s.io && {
      ioReadBytesTotal: big(s.io.readBytesTotal),
      ioWrittenBytesTotal: big(s.io.writtenBytesTotal),
      ioReadBytesPerSecond: s.io.readBytesPerSecond,
      ioWrittenBytesPerSecond: s.io.writtenBytesPerSecond,
    }),
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
