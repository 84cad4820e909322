// Human-readable numbers for tables, tooltips and axes. Pure functions: no locale surprises
// (fixed English units), so tests and screenshots read the same everywhere.

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/** 1536 → "1.5 KiB"; bigint accepted because protobuf uint64 fields arrive as bigint. */
export function formatBytes(value: number | bigint | null | undefined): string {
  if (value === null || value === undefined) return "—";
  let n = typeof value === "bigint" ? Number(value) : value;
  if (!Number.isFinite(n) || n < 0) return "—";
  let unit = 0;
  while (n >= 1024 && unit < BYTE_UNITS.length - 1) {
    n /= 1024;
    unit++;
  }
  const digits = unit === 0 || n >= 100 ? 0 : n >= 10 ? 1 : 2;
  return `${trimZeros(n.toFixed(digits))} ${BYTE_UNITS[unit]}`;
}

/** 12.345 → "12.3 %"; values under 10 keep one decimal too, so a quiet CPU does not read as 0. */
export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return `${value.toFixed(digits)} %`;
}

/** Seconds → "42 s", "5 m 12 s", "3 h 4 m", "2 d 7 h": the two largest units, as people say it. */
export function formatDuration(seconds: number | bigint | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  let s = Math.floor(typeof seconds === "bigint" ? Number(seconds) : seconds);
  if (!Number.isFinite(s) || s < 0) return "—";
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3_600);
  s -= h * 3_600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} m` : `${h} h`;
  if (m > 0) return s > 0 ? `${m} m ${s} s` : `${m} m`;
  return `${s} s`;
}

/** Milliseconds since epoch → "14:05:09" (UTC-free: the viewer's local clock, 24 h). */
export function formatClock(ms: number, withSeconds = true): string {
  const d = new Date(ms);
  const hh = pad2(d.getHours());
  const mm = pad2(d.getMinutes());
  return withSeconds ? `${hh}:${mm}:${pad2(d.getSeconds())}` : `${hh}:${mm}`;
}

/** Milliseconds since epoch → "2025-03-04 14:05" (local time). */
export function formatDateTime(ms: number, withSeconds = false): string {
  const d = new Date(ms);
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  return `${date} ${formatClock(ms, withSeconds)}`;
}

/** An axis tick for a chart spanning `spanMs`: seconds for minutes, clock for hours, day+clock for days. */
export function formatAxisTime(ms: number, spanMs: number): string {
  if (spanMs <= 15 * 60_000) return formatClock(ms, true);
  if (spanMs <= 36 * 3_600_000) return formatClock(ms, false);
  const d = new Date(ms);
  return `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${formatClock(ms, false)}`;
}

/** The first 12 hex digits of a sha256, enough to compare by eye. */
export function shortSha(sha256: string): string {
  return sha256.length > 12 ? sha256.slice(0, 12) : sha256;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function trimZeros(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}
