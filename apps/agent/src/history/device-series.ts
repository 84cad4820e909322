// Pure: a host's device totals (@sysward/contract deviceTotals) as history series, and back.
// They ride in a row's per-service sums under names no service can have (service names are
// letters and digits): two sums per name, averaged over the samples that had it, so they merge,
// tier and prune exactly as services do, in the same packed blob (service-sums-codec.ts).
import type { DeviceTotals } from "@sysward/contract";
import type { FilesystemPoint, PerfPoint } from "@sysward/proto";

const PREFIX = "sys:";
const FS_PREFIX = `${PREFIX}fs:`;

/** The two figures a series keeps per sample (named as the services' sums they share a slot with). */
export interface SeriesValue {
  name: string;
  cpuPercent: number;
  rssBytes: number;
}

export function isDeviceSeries(name: string): boolean {
  return name.startsWith(PREFIX);
}

export function deviceSeries(t: DeviceTotals): SeriesValue[] {
  const out: SeriesValue[] = [];
  const put = (name: string, a: number, b = 0) => out.push({ name: PREFIX + name, cpuPercent: a, rssBytes: b });
  if (t.disk) put("disk", t.disk.readBytesPerSecond, t.disk.writtenBytesPerSecond);
  if (t.network) put("network", t.network.receiveBytesPerSecond, t.network.transmitBytesPerSecond);
  if (t.pressure?.cpuPercent !== undefined) put("pressure-cpu", t.pressure.cpuPercent);
  if (t.pressure?.memoryPercent !== undefined) put("pressure-memory", t.pressure.memoryPercent);
  if (t.pressure?.ioPercent !== undefined) put("pressure-io", t.pressure.ioPercent);
  for (const f of t.filesystems) out.push({ name: FS_PREFIX + f.mountPoint, cpuPercent: f.usedBytes, rssBytes: f.sizeBytes });
  return out;
}

/** A step's averages of every device series: the PerfPoint fields they fill. */
export type PointDevices = Pick<
  PerfPoint,
  | "diskReadBytesPerSecond"
  | "diskWrittenBytesPerSecond"
  | "networkReceiveBytesPerSecond"
  | "networkTransmitBytesPerSecond"
  | "pressureCpuPercent"
  | "pressureMemoryPercent"
  | "pressureIoPercent"
  | "filesystems"
>;

/** `averages`: each series' name → its two sums over the step divided by its sample count. */
export function pointDevices(averages: ReadonlyMap<string, readonly [number, number]>): PointDevices {
  const out: PointDevices = { filesystems: [] };
  for (const [name, [a, b]] of averages) {
    if (name.startsWith(FS_PREFIX)) {
      const fs: FilesystemPoint = { $typeName: "sysward.agent.v1.FilesystemPoint", mountPoint: name.slice(FS_PREFIX.length), usedBytes: BigInt(Math.round(a)), sizeBytes: BigInt(Math.round(b)) };
      out.filesystems.push(fs);
      continue;
    }
    switch (name.slice(PREFIX.length)) {
      case "disk":
        out.diskReadBytesPerSecond = a;
        out.diskWrittenBytesPerSecond = b;
        break;
      case "network":
        out.networkReceiveBytesPerSecond = a;
        out.networkTransmitBytesPerSecond = b;
        break;
      case "pressure-cpu":
        out.pressureCpuPercent = a;
        break;
      case "pressure-memory":
        out.pressureMemoryPercent = a;
        break;
      case "pressure-io":
        out.pressureIoPercent = a;
        break;
      // A series a later agent version wrote: not ours to show.
    }
  }
  out.filesystems.sort((x, y) => (x.mountPoint < y.mountPoint ? -1 : x.mountPoint > y.mountPoint ? 1 : 0));
  return out;
}
