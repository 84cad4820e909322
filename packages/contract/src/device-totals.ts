// A host's devices summed the way its charts and history show them, from one perf sample: the
// agent records these per history step and the console draws live points from the same sum, so
// a live chart and a history chart of one machine agree. Structural types: no proto import here.

export interface DeviceSampleShape {
  disks: ReadonlyArray<{ readBytesPerSecond: number; writtenBytesPerSecond: number }>;
  networks: ReadonlyArray<{ loopback: boolean; virtual: boolean; receiveBytesPerSecond: number; transmitBytesPerSecond: number }>;
  pressure?: { cpu?: Stall; memory?: Stall; io?: Stall } | undefined;
  filesystems: ReadonlyArray<{ mountPoint: string; usedBytes: bigint; sizeBytes: bigint }>;
}

type Stall = { some?: { avg10Percent: number } | undefined };

export interface DeviceTotals {
  /** Absent when the sample had no disks. */
  disk?: { readBytesPerSecond: number; writtenBytesPerSecond: number };
  /** Absent when it had no interface but loopback. */
  network?: { receiveBytesPerSecond: number; transmitBytesPerSecond: number };
  /** "some" 10 s averages; absent where the kernel has no pressure stall information. */
  pressure?: { cpuPercent?: number; memoryPercent?: number; ioPercent?: number };
  filesystems: Array<{ mountPoint: string; usedBytes: number; sizeBytes: number }>;
}

export function deviceTotals(s: DeviceSampleShape): DeviceTotals {
  const out: DeviceTotals = { filesystems: s.filesystems.map((f) => ({ mountPoint: f.mountPoint, usedBytes: Number(f.usedBytes), sizeBytes: Number(f.sizeBytes) })) };
  if (s.disks.length > 0) {
    out.disk = { readBytesPerSecond: 0, writtenBytesPerSecond: 0 };
    for (const d of s.disks) {
      out.disk.readBytesPerSecond += d.readBytesPerSecond;
      out.disk.writtenBytesPerSecond += d.writtenBytesPerSecond;
    }
  }
  // Hardware interfaces carry the host's traffic; bridges and veth would count it again. A
  // container has only virtual ones: then those.
  const outside = s.networks.filter((n) => !n.loopback);
  const hardware = outside.filter((n) => !n.virtual);
  const counted = hardware.length > 0 ? hardware : outside;
  if (counted.length > 0) {
    out.network = { receiveBytesPerSecond: 0, transmitBytesPerSecond: 0 };
    for (const n of counted) {
      out.network.receiveBytesPerSecond += n.receiveBytesPerSecond;
      out.network.transmitBytesPerSecond += n.transmitBytesPerSecond;
    }
  }
  if (s.pressure) {
    const p = s.pressure;
    out.pressure = {
      ...(p.cpu?.some && { cpuPercent: p.cpu.some.avg10Percent }),
      ...(p.memory?.some && { memoryPercent: p.memory.some.avg10Percent }),
      ...(p.io?.some && { ioPercent: p.io.some.avg10Percent }),
    };
  }
  return out;
}

/** The fullest filesystem: the highest share of its size in use. */
export function fullestFilesystem(t: DeviceTotals): { mountPoint: string; usedPercent: number } | undefined {
  let best: { mountPoint: string; usedPercent: number } | undefined;
  for (const f of t.filesystems) {
    if (f.sizeBytes <= 0) continue;
    const usedPercent = (f.usedBytes / f.sizeBytes) * 100;
    if (!best || usedPercent > best.usedPercent) best = { mountPoint: f.mountPoint, usedPercent };
  }
  return best;
}
