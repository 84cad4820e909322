// Pure parsers for the /proc files the perf collector reads; parsePidStat is also the one parser
// of /proc/PID/stat the runtimes use (runtime/proc-stat.ts). Text in, plain numbers out; no I/O
// here, so they are tested on captured text (testdata/) as well as on the live /proc.
// Formats: proc(5) — https://man7.org/linux/man-pages/man5/proc.5.html

/** Cumulative CPU time of one `cpu` line of /proc/stat, in USER_HZ ticks. */
export interface CpuTicks {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

export interface StatReading {
  /** The aggregate `cpu` line: all cores together. */
  total: CpuTicks;
  /** The `cpuN` lines, in file order (offline cores are absent). */
  cores: { id: string; ticks: CpuTicks }[];
}

export interface MemInfo {
  totalBytes: number;
  freeBytes: number;
  availableBytes: number;
  buffersBytes: number;
  cachedBytes: number;
  swapTotalBytes: number;
  swapFreeBytes: number;
}

export interface LoadAvg {
  one: number;
  five: number;
  fifteen: number;
}

/** The fields of /proc/PID/stat that the process-tree scan and the runtimes need. */
export interface PidStat {
  pid: number;
  ppid: number;
  /** Process group id (the supervisor runs each service as its own group). */
  pgrp: number;
  /** One letter: R, S, D, Z (zombie), X (dead), T, t, I… */
  state: string;
  /** utime + stime, in USER_HZ ticks. */
  cpuTicks: number;
  numThreads: number;
  /** Start time after boot, in USER_HZ ticks: with pid, identifies one process across pid reuse. */
  startTicks: number;
  /** Resident set size in pages. */
  rssPages: number;
}

// Field order of a cpu line after its label. guest and guest_nice are already counted in user
// and nice (see proc(5)), so they are deliberately left out to avoid counting them twice.
const CPU_FIELDS = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"] as const;

function parseCpuFields(parts: string[]): CpuTicks {
  const ticks = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
  // Older kernels have fewer columns (steal since 2.6.11): missing ones stay 0.
  CPU_FIELDS.forEach((field, i) => {
    const raw = parts[i + 1];
    if (raw !== undefined) ticks[field] = toNumber(raw, `/proc/stat ${parts[0]} ${field}`);
  });
  return ticks;
}

export function parseStat(text: string): StatReading {
  let total: CpuTicks | undefined;
  const cores: StatReading["cores"] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("cpu")) continue;
    const parts = line.trim().split(/\s+/);
    const label = parts[0]!;
    if (label === "cpu") total = parseCpuFields(parts);
    else if (/^cpu\d+$/.test(label)) cores.push({ id: label, ticks: parseCpuFields(parts) });
  }
  if (!total) throw new Error("/proc/stat: no aggregate 'cpu' line");
  return { total, cores };
}

const MEMINFO_KEYS: Record<string, keyof MemInfo> = {
  MemTotal: "totalBytes",
  MemFree: "freeBytes",
  MemAvailable: "availableBytes",
  Buffers: "buffersBytes",
  Cached: "cachedBytes",
  SwapTotal: "swapTotalBytes",
  SwapFree: "swapFreeBytes",
};

export function parseMeminfo(text: string): MemInfo {
  const found: Partial<MemInfo> = {};
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = MEMINFO_KEYS[line.slice(0, colon)];
    if (!key) continue;
    const [value, unit] = line.slice(colon + 1).trim().split(/\s+/);
    // Every size line is in kB (really KiB); a bare number would be a count, not a size.
    const multiplier = unit === "kB" ? 1024 : 1;
    found[key] = toNumber(value ?? "", `/proc/meminfo ${line.slice(0, colon)}`) * multiplier;
  }
  if (found.totalBytes === undefined) throw new Error("/proc/meminfo: no MemTotal line");
  const freeBytes = found.freeBytes ?? 0;
  const buffersBytes = found.buffersBytes ?? 0;
  const cachedBytes = found.cachedBytes ?? 0;
  return {
    totalBytes: found.totalBytes,
    freeBytes,
    // Kernels before 3.14 have no MemAvailable: free + buffers + cache is the usual estimate.
    availableBytes: found.availableBytes ?? Math.min(found.totalBytes, freeBytes + buffersBytes + cachedBytes),
    buffersBytes,
    cachedBytes,
    swapTotalBytes: found.swapTotalBytes ?? 0,
    swapFreeBytes: found.swapFreeBytes ?? 0,
  };
}

export function parseLoadavg(text: string): LoadAvg {
  const [one, five, fifteen] = text.trim().split(/\s+/);
  return {
    one: toNumber(one ?? "", "/proc/loadavg 1m"),
    five: toNumber(five ?? "", "/proc/loadavg 5m"),
    fifteen: toNumber(fifteen ?? "", "/proc/loadavg 15m"),
  };
}

/** Seconds since boot (CLOCK_BOOTTIME, the clock of PidStat.startTicks). */
export function parseUptime(text: string): number {
  return toNumber(text.trim().split(/\s+/)[0] ?? "", "/proc/uptime");
}

/**
 * /proc/PID/stat. The command name (field 2) is in parentheses and may itself contain spaces,
 * '(' , ')' and even newlines — so everything is counted from the LAST ')'. Throws on text that
 * is not a stat line or is cut short (a torn read); callers treat that as "gone".
 */
export function parsePidStat(text: string): PidStat {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`/proc/PID/stat: no '(comm)' in ${JSON.stringify(text.slice(0, 80))}`);
  // rest[0] is field 3 (state); field N of proc(5) is rest[N - 3].
  const rest = text.slice(close + 2).split(" ");
  const field = (n: number) => toNumber(rest[n - 3] ?? "", `/proc/PID/stat field ${n}`);
  return {
    pid: toNumber(text.slice(0, open).trim(), "/proc/PID/stat pid"),
    state: rest[0] ?? "?",
    ppid: field(4),
    pgrp: field(5),
    cpuTicks: field(14) + field(15),
    numThreads: field(20),
    startTicks: field(22),
    rssPages: Math.max(0, field(24)),
  };
}

/** /proc/PID/task/TID/children: space-separated pids of the thread's children. */
export function parseChildren(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(" ")) {
    if (part.trim() === "") continue;
    out.push(toNumber(part, "/proc/PID/task/TID/children"));
  }
  return out;
}

function toNumber(raw: string, what: string): number {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n)) throw new Error(`${what}: not a number: ${JSON.stringify(raw)}`);
  return n;
}
