// Pure: Markdown tables and number formats for the benchmark reports (the same text is printed
// to the terminal and written to RESULTS.md).

export type Cell = string | number;

/** A GitHub-flavoured Markdown table; numbers are right-aligned, text left-aligned. */
export function markdownTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  for (const r of rows) {
    if (r.length !== header.length) throw new RangeError(`row has ${r.length} cells, the header ${header.length}: ${JSON.stringify(r)}`);
  }
  const text = rows.map((r) => r.map((c) => escapeCell(typeof c === "number" ? fmtNumber(c) : c)));
  const widths = header.map((h, i) => Math.max(h.length, 3, ...text.map((r) => r[i]!.length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number"));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(header.map(escapeCell)), rule, ...text.map(line)].join("\n");
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Three significant digits, no exponent for everyday magnitudes: 0.0123, 1.23, 12.3, 1234. */
export function fmtNumber(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "n/a" : n > 0 ? "∞" : "-∞";
  const abs = Math.abs(n);
  if (abs >= 100 || Number.isInteger(n)) return String(Math.round(n));
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  if (abs === 0) return "0";
  return String(Number(n.toPrecision(3)));
}

export function fmtBytes(n: number): string {
  if (!Number.isFinite(n)) return "n/a";
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${fmtNumber(v)} ${units[u]}`;
}

/** Decimal megabytes, the unit the targets use ("< 100 MB"). */
export function fmtMB(n: number): string {
  return Number.isFinite(n) ? `${fmtNumber(n / 1e6)} MB` : "n/a";
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  return ms >= 10_000 ? `${fmtNumber(ms / 1000)} s` : `${fmtNumber(ms)} ms`;
}

/** "1.07× (0.98–1.21)": a ratio with the spread of its rounds. */
export function fmtRatio(median: number, min?: number, max?: number): string {
  const r = `${fmtNumber(median)}×`;
  return min === undefined || max === undefined ? r : `${r} (${fmtNumber(min)}–${fmtNumber(max)})`;
}

/** "12.3 (min 10.1, max 15.0)" */
export function fmtSpread(median: number, min: number, max: number, unit = ""): string {
  const u = unit ? ` ${unit}` : "";
  return `${fmtNumber(median)}${u} (${fmtNumber(min)}–${fmtNumber(max)})`;
}
