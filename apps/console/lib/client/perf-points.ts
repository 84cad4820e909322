// One shape for chart points, whether they came from a live WatchPerf sample or a
// PerfHistory point, so the charts do not care which range is showing.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { deviceTotals } from "@sysward/contract";
import type { PerfPoint, PerfSample } from "@sysward/proto";

export interface ServicePoint {
  cpu: number;
  rss: number;
  /** Bytes read + written per second (cgroup accounting, live samples only). */
  io?: number;
}

/** The host's devices at one point; null where the agent had no such figure. */
export interface DevicePoint {
  disk: { read: number; write: number } | null;
  net: { rx: number; tx: number } | null;
  pressure: { cpu?: number; memory?: number; io?: number } | null;
  /** Mount point → bytes used and size. */
  filesystems: Record<string, { used: number; size: number }>;
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
  devices: DevicePoint;
}

export function pointFromSample(sample: PerfSample): ChartPoint | null {
  if (!sample.time) return null;
  const cpu = sample.cpu?.busyPercent ?? 0;
  const memPercent = sample.memory?.usedPercent ?? 0;
  const services: Record<string, ServicePoint> = {};
  for (const s of sample.services) {
    const io = s.ioReadBytesPerSecond !== undefined || s.ioWrittenBytesPerSecond !== undefined ? (s.ioReadBytesPerSecond ?? 0) + (s.ioWrittenBytesPerSecond ?? 0) : undefined;
    services[s.name] = { cpu: s.cpuPercent, rss: Number(s.rssBytes), ...(io !== undefined && { io }) };
  }
  const d = deviceTotals(sample);
  const filesystems: DevicePoint["filesystems"] = {};
  for (const f of d.filesystems) filesystems[f.mountPoint] = { used: f.usedBytes, size: f.sizeBytes };
  return {
    t: timestampMs(sample.time),
    cpu,
    cpuMax: cpu,
    memPercent,
    memMaxPercent: memPercent,
    memBytes: Number(sample.memory?.usedBytes ?? 0n),
    memTotalBytes: sample.memory ? Number(sample.memory.totalBytes) : null,
    services,
    devices: {
      disk: d.disk ? { read: d.disk.readBytesPerSecond, write: d.disk.writtenBytesPerSecond } : null,
      net: d.network ? { rx: d.network.receiveBytesPerSecond, tx: d.network.transmitBytesPerSecond } : null,
      pressure: pressurePoint(d.pressure?.cpuPercent, d.pressure?.memoryPercent, d.pressure?.ioPercent),
      filesystems,
    },
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
    devices: historyDevices(point),
  };
}

function historyDevices(p: PerfPoint): DevicePoint {
  const filesystems: DevicePoint["filesystems"] = {};
  for (const f of p.filesystems) filesystems[f.mountPoint] = { used: Number(f.usedBytes), size: Number(f.sizeBytes) };
  return {
    disk: p.diskReadBytesPerSecond !== undefined ? { read: p.diskReadBytesPerSecond, write: p.diskWrittenBytesPerSecond ?? 0 } : null,
    net: p.networkReceiveBytesPerSecond !== undefined ? { rx: p.networkReceiveBytesPerSecond, tx: p.networkTransmitBytesPerSecond ?? 0 } : null,
    pressure: pressurePoint(p.pressureCpuPercent, p.pressureMemoryPercent, p.pressureIoPercent),
    filesystems,
  };
}

function pressurePoint(cpu: number | undefined, memory: number | undefined, io: number | undefined): DevicePoint["pressure"] {
  if (cpu === undefined && memory === undefined && io === undefined) return null;
  return { ...(cpu !== undefined && { cpu }), ...(memory !== undefined && { memory }), ...(io !== undefined && { io }) };
}

/** Mount points present anywhere in the points, sorted. */
export function mountPoints(points: readonly ChartPoint[]): string[] {
  const names = new Set<string>();
  for (const p of points) for (const m of Object.keys(p.devices.filesystems)) names.add(m);
  return [...names].sort();
}

/** Service names present anywhere in the points, sorted, for one line per service. */
export function serviceNames(points: readonly ChartPoint[]): string[] {
  const names = new Set<string>();
  for (const p of points) for (const name of Object.keys(p.services)) names.add(name);
  return [...names].sort();
}
