// How results reach the terminal: aligned tables and short units for people, JSON for scripts,
// and a status line on stderr that rewrites itself when stderr is a terminal.

export interface OutputStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** Left-aligned columns separated by two spaces; the last column is never padded. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd())
    .join("\n")
    .concat("\n");
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** 1536 → "1.5 KiB"; bigint for uint64 proto fields. */
export function formatBytes(value: number | bigint): string {
  let n = Number(value);
  let unit = 0;
  while (n >= 1024 && unit < UNITS.length - 1) {
    n /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${n >= 100 ? n.toFixed(0) : n.toFixed(1)} ${UNITS[unit]}`;
}

export function formatPercent(value: number): string {
  return `${value.toFixed(1)}%`;
}

/** Whole seconds → "45s", "3m 12s", "5h 02m", "2d 04h". */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d ${pad(Math.floor((s % 86400) / 3600))}h`;
}

/** "45% (12.0 MiB of 26.7 MiB)" for the upload status line. */
export function formatProgress(sent: number, total: number): string {
  const percent = total > 0 ? Math.min(100, Math.floor((sent / total) * 100)) : 100;
  return `${percent}% (${formatBytes(sent)} of ${formatBytes(total)})`;
}

export class Output {
  private statusShown = false;

  constructor(
    private readonly streams: OutputStreams,
    readonly json: boolean,
  ) {}

  get stderrIsTTY(): boolean {
    return this.streams.stderr.isTTY === true;
  }

  /** Result text for people (ignored in --json mode, where `data` is what scripts read). */
  result(text: string): void {
    if (!this.json) this.write(this.streams.stdout, text.endsWith("\n") ? text : `${text}\n`);
  }

  /** One JSON document (or one line of an NDJSON stream). */
  data(value: unknown): void {
    if (this.json) this.write(this.streams.stdout, `${JSON.stringify(value)}\n`);
  }

  /** Progress and notes for people, on stderr in both modes. */
  note(text: string): void {
    this.clearStatus();
    this.write(this.streams.stderr, `${text}\n`);
  }

  /** A line that replaces itself on a terminal; elsewhere nothing (the notes tell the story). */
  status(text: string): void {
    if (!this.stderrIsTTY) return;
    // A pseudo-terminal may report 0 columns.
    const width = (this.streams.stderr.columns || 80) - 1;
    this.write(this.streams.stderr, `\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.statusShown = true;
  }

  clearStatus(): void {
    if (!this.statusShown) return;
    this.write(this.streams.stderr, "\r\x1b[2K");
    this.statusShown = false;
  }

  /** Raw line to stdout or stderr (a service's log line keeps its stream). */
  line(stream: "stdout" | "stderr", text: string): void {
    if (stream === "stderr") this.clearStatus();
    this.write(stream === "stdout" ? this.streams.stdout : this.streams.stderr, `${text}\n`);
  }

  error(message: string, details: readonly string[] = []): void {
    this.clearStatus();
    if (!message && details.length === 0) return;
    this.write(this.streams.stderr, [`sysward: ${message}`, ...details].join("\n").concat("\n"));
  }

  private write(stream: NodeJS.WritableStream, text: string): void {
    stream.write(text);
  }
}
