// Pure parsers for the device-level /proc files: block-device I/O (/proc/diskstats), network
// interfaces (/proc/net/dev) and pressure stall information (/proc/pressure/*). Text in, plain
// numbers out, tested on captured text (testdata/) and on the live /proc.
// Formats: https://www.kernel.org/doc/Documentation/ABI/testing/procfs-diskstats,
// proc(5) for /proc/net/dev, https://docs.kernel.org/accounting/psi.html

/** Cumulative counters of one block device. */
export interface DiskCounters {
  device: string;
  reads: number;
  writes: number;
  /** Sectors in /proc/diskstats are always 512 bytes, whatever the device's own sector size. */
  readBytes: number;
  writtenBytes: number;
  /** Milliseconds the device had I/O in flight (utilisation = its growth / elapsed time). */
  ioMs: number;
}

const SECTOR_BYTES = 512;

export function parseDiskstats(text: string): DiskCounters[] {
  const out: DiskCounters[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    // major minor name, then at least the 11 original counters.
    if (f.length < 14) continue;
    const n = (i: number) => Number(f[i]);
    out.push({ device: f[2]!, reads: n(3), readBytes: n(5) * SECTOR_BYTES, writes: n(7), writtenBytes: n(9) * SECTOR_BYTES, ioMs: n(12) });
  }
  return out;
}

/** Cumulative counters of one network interface. */
export interface NetCounters {
  device: string;
  receiveBytes: number;
  receivePackets: number;
  receiveErrors: number;
  receiveDrops: number;
  transmitBytes: number;
  transmitPackets: number;
  transmitErrors: number;
  transmitDrops: number;
}

export function parseNetDev(text: string): NetCounters[] {
  const out: NetCounters[] = [];
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    // The two header lines have "|" and no "name:" prefix.
    if (colon < 0 || line.includes("|")) continue;
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (f.length < 16) continue;
    out.push({
      device: line.slice(0, colon).trim(),
      receiveBytes: f[0]!,
      receivePackets: f[1]!,
      receiveErrors: f[2]!,
      receiveDrops: f[3]!,
      transmitBytes: f[8]!,
      transmitPackets: f[9]!,
      transmitErrors: f[10]!,
      transmitDrops: f[11]!,
    });
  }
  return out;
}

/** One line of a pressure file: the share of time some (or all, "full") tasks were stalled. */
export interface StallLine {
  avg10: number;
  avg60: number;
  avg300: number;
  /** Cumulative stall time, µs. */
  totalUs: number;
}

export interface PressureFile {
  some: StallLine;
  /** Absent for cpu on kernels before 5.13 (and meaningless there when present system-wide). */
  full?: StallLine;
}

export function parsePressure(text: string): PressureFile | undefined {
  const lines: Partial<Record<"some" | "full", StallLine>> = {};
  for (const line of text.split("\n")) {
    const m = /^(some|full)\s+avg10=([\d.]+)\s+avg60=([\d.]+)\s+avg300=([\d.]+)\s+total=(\d+)/.exec(line.trim());
    if (m) lines[m[1] as "some" | "full"] = { avg10: Number(m[2]), avg60: Number(m[3]), avg300: Number(m[4]), totalUs: Number(m[5]) };
  }
  return lines.some ? { some: lines.some, ...(lines.full && { full: lines.full }) } : undefined;
}
