import { open, stat, type FileHandle } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { LogLine } from "../runtime";
import { rotatedLogFile } from "./log-files";

// Reads a service's log files: the last N lines (read backwards from the end, so memory is
// bounded by N lines however big the file), then, when following, new lines as they are
// appended, until the AbortSignal fires. Handles copytruncate rotation while following.

export interface LogSource {
  path: string;
  stream: LogLine["stream"];
}

export interface ReadLogsOptions {
  tail: number;
  follow: boolean;
  signal?: AbortSignal;
  /** How often to look for new output while following. */
  pollMs?: number;
  /** Longer lines are cut to this many bytes. */
  maxLineBytes?: number;
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;
const DEFAULT_MAX_LINE_BYTES = 16 * 1024;

export interface FileTail {
  /** Up to N complete lines, oldest first. */
  lines: Buffer[];
  /** A last line not (yet) ended by a newline. */
  partial: Buffer;
  /** Offset just past the last complete line: where following continues. */
  end: number;
  mtimeMs: number;
}

/**
 * Most a tail reads, whatever `n` asks: 10 000 lines of 16 KiB would be 160 MiB held at once for
 * one request. Past it the oldest of the asked-for lines are left out.
 */
export const MAX_TAIL_BYTES = 4 * 1024 * 1024;

/** The last `n` complete lines of `path` (plus any unterminated last line), reading from the end. */
export async function readFileTail(path: string, n: number, maxLineBytes = DEFAULT_MAX_LINE_BYTES, maxBytes = MAX_TAIL_BYTES): Promise<FileTail> {
  let fh: FileHandle;
  try {
    fh = await open(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { lines: [], partial: Buffer.alloc(0), end: 0, mtimeMs: 0 };
    throw err;
  }
  try {
    const st = await fh.stat();
    const size = st.size;
    // Enough bytes for n lines of maximal length plus the boundary before them; never more, and
    // never more than maxBytes.
    const budget = Math.min((n + 1) * (maxLineBytes + 1) + CHUNK, maxBytes);
    const chunks: Buffer[] = [];
    let pos = size;
    let collected = 0;
    let newlines = 0;
    while (pos > 0 && newlines < n + 1 && collected < budget) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await fh.read(buf, 0, len, pos);
      const chunk = buf.subarray(0, bytesRead);
      for (const byte of chunk) if (byte === NEWLINE) newlines++;
      chunks.unshift(chunk);
      collected += bytesRead;
    }
    const pieces = splitLines(Buffer.concat(chunks));
    const partial = pieces.pop() ?? Buffer.alloc(0);
    if (newlines === 0 && pos > 0) {
      // One giant unterminated line: skip it rather than read it all.
      return { lines: [], partial: Buffer.alloc(0), end: size, mtimeMs: st.mtimeMs };
    }
    // Unless we reached the start of the file, the first piece began mid-line.
    if (pos > 0) pieces.shift();
    const lines = n > 0 ? pieces.slice(-n).map((l) => clip(l, maxLineBytes)) : [];
    return { lines, partial: clip(partial, maxLineBytes), end: size - partial.length, mtimeMs: st.mtimeMs };
  } finally {
    await fh.close();
  }
}

/** Splits on newlines; the last element is what follows the last newline (maybe empty). */
function splitLines(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = buf.indexOf(NEWLINE); i !== -1; i = buf.indexOf(NEWLINE, start)) {
    out.push(buf.subarray(start, i));
    start = i + 1;
  }
  out.push(buf.subarray(start));
  return out;
}

function clip(line: Buffer, max: number): Buffer {
  return line.length > max ? line.subarray(0, max) : line;
}

function toText(line: Buffer): string {
  const text = line.toString("utf8");
  return text.endsWith("\r") ? text.slice(0, -1) : text;
}

/**
 * How many of the last lines to take from each stream when both together exceed `n`: each gets
 * half, and a stream with fewer lines leaves the rest to the other.
 */
export function shareTail(a: number, b: number, n: number): [number, number] {
  if (a + b <= n) return [a, b];
  const takeA = Math.min(a, Math.max(Math.floor(n / 2), n - b));
  return [takeA, Math.min(b, n - takeA)];
}

export async function* readLogs(sources: LogSource[], opts: ReadLogsOptions): AsyncGenerator<LogLine> {
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const tails = await Promise.all(sources.map((s) => readFileTail(s.path, Math.max(0, opts.tail), maxLineBytes)));

  if (opts.tail > 0) {
    // The files carry no timestamps, so stdout and stderr cannot be interleaved exactly; the
    // stream whose file changed last is yielded last, so the very newest line comes last.
    const blocks = sources.map((source, i) => {
      const t = tails[i]!;
      const all = opts.follow || t.partial.length === 0 ? t.lines : [...t.lines, t.partial];
      return { source, lines: all, mtimeMs: t.mtimeMs };
    });
    if (blocks.length === 2) {
      const [x, y] = shareTail(blocks[0]!.lines.length, blocks[1]!.lines.length, opts.tail);
      blocks[0]!.lines = blocks[0]!.lines.slice(blocks[0]!.lines.length - x);
      blocks[1]!.lines = blocks[1]!.lines.slice(blocks[1]!.lines.length - y);
    } else {
      for (const b of blocks) b.lines = b.lines.slice(-opts.tail);
    }
    blocks.sort((p, q) => p.mtimeMs - q.mtimeMs);
    for (const block of blocks) {
      for (const line of block.lines) {
        if (opts.signal?.aborted) return;
        yield { time: new Date(), line: toText(line), stream: block.source.stream };
      }
    }
  }
  if (!opts.follow) return;

  const followers = sources.map((source, i) => new FileFollower(source, tails[i]!.end, maxLineBytes));
  const pollMs = opts.pollMs ?? 250;
  while (!opts.signal?.aborted) {
    for (const f of followers) {
      for await (const line of f.readNew()) {
        if (opts.signal?.aborted) return;
        yield line;
      }
    }
    try {
      await sleep(pollMs, undefined, { signal: opts.signal });
    } catch {
      return; // aborted
    }
  }
}

/** Follows one append-only file from an offset, across copytruncate rotations. */
class FileFollower {
  private carry = Buffer.alloc(0);

  constructor(
    private readonly source: LogSource,
    private offset: number,
    private readonly maxLineBytes: number,
  ) {}

  async *readNew(): AsyncGenerator<LogLine> {
    const size = await sizeOf(this.source.path);
    if (size < this.offset) {
      // Truncated by rotation: what we had not read yet was copied into `.1` first.
      const rotated = rotatedLogFile(this.source.path, 1);
      const rotatedSize = await sizeOf(rotated);
      if (rotatedSize >= this.offset) yield* this.readRange(rotated, this.offset, rotatedSize);
      if (this.carry.length > 0) yield this.line(this.carry);
      this.carry = Buffer.alloc(0);
      this.offset = 0;
    }
    if (size > this.offset) {
      yield* this.readRange(this.source.path, this.offset, size);
      this.offset = size;
    }
  }

  private async *readRange(path: string, from: number, to: number): AsyncGenerator<LogLine> {
    let fh: FileHandle;
    try {
      fh = await open(path, "r");
    } catch {
      return;
    }
    try {
      for (let pos = from; pos < to; ) {
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, to - pos));
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        const pieces = splitLines(Buffer.concat([this.carry, buf.subarray(0, bytesRead)]));
        this.carry = Buffer.from(pieces.pop() ?? Buffer.alloc(0));
        for (const piece of pieces) yield this.line(piece);
        if (this.carry.length > this.maxLineBytes) {
          // Never hold more than one line's worth: emit the overlong line in parts.
          yield this.line(this.carry);
          this.carry = Buffer.alloc(0);
        }
      }
    } finally {
      await fh.close();
    }
  }

  private line(buf: Buffer): LogLine {
    return { time: new Date(), line: toText(clip(buf, this.maxLineBytes)), stream: this.source.stream };
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
