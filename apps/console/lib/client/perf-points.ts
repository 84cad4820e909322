// One shape for chart points, whether they came from a live WatchPerf sample or a
// PerfHistory point, so the charts do not care which range is showing.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { PerfPoint, PerfSample } from "@sysward/proto";

export interface ServicePoint {
  cpu: number;
  rss: number;
}

export interface ChartPoint {
  /** Milliseconds since epoch. */
  t: number;
  cpu: number;
  /** Peak within the step (history only; equals cpu for live samples). */
  cpuMax: number;
  memPercent: number;
  memMaxPercent: number;
  memBytes: number;
  memTotalBytes: number | null;
  services: Record<string, ServicePoint>;
}

export function pointFromSample(sample: PerfSample): ChartPoint | null {
  if (!sample.time) return null;
  const cpu = sample.cpu?.busyPercent ?? 0;
  const memPercent = sample.memory?.usedPercent ?? 0;
  const services: Record<string, ServicePoint> = {};
  for (const s of sample.services) services[s.name] = { cpu: s.cpuPercent, rss: Number(s.rssBytes) };
  return {
    t: timestampMs(sample.time),
    cpu,
    cpuMax: cpu,
    memPercent,
    memMaxPercent: memPercent,
    memBytes: Number(sample.memory?.usedBytes ?? 0n),
    memTotalBytes: sample.memory ? Number(sample.memory.totalBytes) : null,
    services,
  };
}

export function pointFromHistory(point: PerfPoint, memTotalBytes: number | null): ChartPoint | null {
  if (!point.time) return null;
  const services: Record<string, ServicePoint> = {};
  for (const s of point.services) services[s.name] = { cpu: s.cpuPercent, rss: Number(s.rssBytes) };
  return {
    t: timestampMs(point.time),
    cpu: point.cpuBusyPercent,
    cpuMax: Math.max(point.cpuBusyMaxPercent, point.cpuBusyPercent),
    memPercent: point.memoryUsedPercent,
    memMaxPercent: Math.max(point.memoryUsedMaxPercent, point.memoryUsedPercent),
    memBytes: Number(point.memoryUsedBytes),
    memTotalBytes,
    services,
  };
}

/** Service names present anywhere in the points, sorted, for one line per service. */
export function serviceNames(points: readonly ChartPoint[]): string[] {
  const names = new Set<string>();
  for (const p of points) for (const name of Object.keys(p.services)) names.add(name);
  return [...names].sort();
}
