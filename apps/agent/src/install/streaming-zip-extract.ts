// Extracts a package ZIP while it is still arriving, so receiving and extracting overlap instead
// of running one after the other (bench/FINDINGS.md: they were ~1/3 and ~2/3 of an upload).
// A ZIP's authoritative directory is at its END, so nothing here is trusted yet: entries are
// read from their local headers, written under `destDir` with the same path rules and file
// creation flags as extractZip, and recorded. Once the whole file is staged, extractZip runs its
// full central-directory check in "adopt" mode against these records; any difference and the
// caller throws this directory away and extracts from scratch. Whatever this class does not
// handle — data descriptors, zip64, encryption, other methods, a name it would refuse, anything
// unexpected — makes it stop quietly ("gave up"), leaving the precise refusal to extractZip.
import { once } from "node:events";
import { mkdir, writeFile, type FileHandle } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32, inflateRawSync } from "node:zlib";
import { normaliseEntryPath } from "./entry-path";
import {
  ancestors,
  createEntryFile,
  decodeName,
  entryCounter,
  fileSink,
  inflater,
  inflationProblem,
  makeDirs,
  NEW_FILE_FLAGS,
  STREAMED_FILE_MODE,
  type ExtractLimits,
  type StreamedEntry,
} from "./zip-verify-extract";

const LOCAL_HEADER = 0x04034b50;
/** Where the entries end: the central directory (or an empty archive's end record). */
const END_SIGNATURES = new Set([0x02014b50, 0x06054b50, 0x06064b50]);
const FIXED_HEADER_BYTES = 30;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const ZIP64_MARK = 0xffffffff;
/** Upload bytes that may wait for extraction before write() holds the upload back. */
const QUEUE_BYTES = 8 * 1024 * 1024;
/**
 * Entries up to this compressed (and 4 MiB inflated) skip the per-file stream machinery, which
 * costs more than their bytes (a package's many small files were most of the streaming time).
 */
const SMALL_COMPRESSED_BYTES = 256 * 1024;
const SMALL_INFLATED_BYTES = 4 * 1024 * 1024;
const SMALL_WRITES_AT_ONCE = 8;

type State = "header" | "names" | "data" | "done";

interface Current {
  offset: number;
  entry: StreamedEntry;
  remaining: number;
  /** A big entry streams through zlib into its file... */
  sink?: EntrySink;
  /** ...a small one is gathered, inflated at once and written in one go, several at a time. */
  small?: { target: string; parts: Buffer[] };
}

interface EntrySink {
  input: Writable;
  done: Promise<void>;
  fh: FileHandle;
  counter: ReturnType<typeof entryCounter>;
}

export class StreamingZipExtractor {
  private readonly root: string;
  private state: State = "header";
  /** Header bytes gathered across chunks (never file data). */
  private header: Buffer = Buffer.alloc(0);
  private need = FIXED_HEADER_BYTES;
  private fixed: Buffer | undefined;
  private offset = 0;
  private current: Current | undefined;
  private readonly entries = new Map<number, StreamedEntry>();
  private readonly seen = new Set<string>();
  private readonly files = new Set<string>();
  private readonly dirs = new Set<string>();
  private readonly written = { total: 0 };
  private declaredTotal = 0;
  private gaveUpBecause: string | undefined;
  private started = false;

  constructor(
    destDir: string,
    private readonly limits: ExtractLimits,
    private readonly signal?: AbortSignal,
  ) {
    this.root = resolve(destDir);
  }

  /** Why streaming stopped, or undefined while it goes on. */
  get gaveUp(): string | undefined {
    return this.gaveUpBecause;
  }

  /**
   * Takes the next bytes of the upload. They are queued and extracted in the background, so the
   * upload's own work (decoding, hashing, staging) runs alongside inflating and writing files;
   * this resolves at once unless QUEUE_BYTES are waiting (the backpressure, and the memory bound).
   */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.finished()) return;
    this.queue.push(chunk);
    this.queued += chunk.byteLength;
    this.pumping ??= this.pump();
    while (this.queued > QUEUE_BYTES && this.pumping !== undefined) await this.queueDrained();
  }

  private queue: Uint8Array[] = [];
  private queued = 0;
  private pumping: Promise<void> | undefined;
  private drainWaiters: Array<() => void> = [];

  /** Gave up, or reached the central directory: nothing more to extract. */
  private finished(): boolean {
    return this.gaveUpBecause !== undefined || this.state === "done";
  }

  private queueDrained(): Promise<void> {
    return new Promise((r) => this.drainWaiters.push(r));
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const chunk = this.queue.shift()!;
      await this.consume(chunk);
      this.queued -= chunk.byteLength;
      for (const wake of this.drainWaiters.splice(0)) wake();
    }
    this.pumping = undefined;
    for (const wake of this.drainWaiters.splice(0)) wake();
  }

  /** Parses and extracts one chunk; any trouble ends streaming (the caller extracts later). */
  private async consume(chunk: Uint8Array): Promise<void> {
    if (this.finished()) return;
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    try {
      if (!this.started) {
        this.started = true;
        await mkdir(this.root, { mode: 0o755 });
      }
      while (buf.length > 0 && !this.finished()) {
        if (this.state === "data") {
          buf = await this.feedData(buf);
          continue;
        }
        const take = Math.min(this.need - this.header.length, buf.length);
        this.header = this.header.length === 0 ? buf.subarray(0, take) : Buffer.concat([this.header, buf.subarray(0, take)]);
        buf = buf.subarray(take);
        if (this.header.length < this.need) {
          // Keep our own copy: the caller may reuse the chunk's memory.
          this.header = Buffer.from(this.header);
          continue;
        }
        if (this.state === "header") this.onFixedHeader();
        else await this.onNames();
      }
    } catch (err) {
      await this.giveUp(`stopped: ${(err as Error).message}`);
    }
  }

  /**
   * The upload is complete. Resolves with what was streamed, or undefined when streaming gave up
   * or the archive did not end where a central directory begins.
   */
  async end(): Promise<ReadonlyMap<number, StreamedEntry> | undefined> {
    await this.pumping;
    await Promise.all(this.smallWrites);
    if (this.smallWriteError !== undefined && this.gaveUpBecause === undefined) await this.giveUp(`a file could not be written: ${this.smallWriteError}`);
    if (this.gaveUpBecause === undefined && this.state !== "done") await this.giveUp("the upload ended before the central directory");
    return this.gaveUpBecause === undefined ? this.entries : undefined;
  }

  /** Stops at once (a failed upload); waits so nothing writes after it resolves. */
  async abort(): Promise<void> {
    this.queue = [];
    await this.pumping;
    if (this.gaveUpBecause === undefined) await this.giveUp("aborted");
  }

  private onFixedHeader(): void {
    const h = this.header;
    const sig = h.readUInt32LE(0);
    if (sig !== LOCAL_HEADER) {
      if (END_SIGNATURES.has(sig) && this.entries.size > 0) {
        this.state = "done";
        return;
      }
      throw new Error(`no local header at byte ${this.offset}`);
    }
    const flags = h.readUInt16LE(6);
    const method = h.readUInt16LE(8);
    const compressedSize = h.readUInt32LE(18);
    const uncompressedSize = h.readUInt32LE(22);
    if (flags & (FLAG_DATA_DESCRIPTOR | FLAG_ENCRYPTED)) throw new Error("data descriptor or encryption");
    if (method !== 0 && method !== 8) throw new Error(`compression method ${method}`);
    if (compressedSize === ZIP64_MARK || uncompressedSize === ZIP64_MARK) throw new Error("zip64 entry");
    if (this.entries.size + 1 > this.limits.maxEntries) throw new Error("too many entries");
    this.fixed = Buffer.from(h);
    this.state = "names";
    this.need = FIXED_HEADER_BYTES + h.readUInt16LE(26) + h.readUInt16LE(28);
  }

  private async onNames(): Promise<void> {
    const h = this.header;
    const fixed = this.fixed!;
    const flags = fixed.readUInt16LE(6);
    const nameLength = fixed.readUInt16LE(26);
    const nameRaw = Buffer.from(h.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + nameLength));
    const extraFields = parseExtraFields(h.subarray(FIXED_HEADER_BYTES + nameLength));
    const name = decodeName({ generalPurposeBitFlag: flags, fileNameRaw: nameRaw, extraFields });
    const norm = normaliseEntryPath(name);
    if (!norm.ok) throw new Error(norm.reason);
    const rel = norm.path;
    const target = join(this.root, rel);
    if (!target.startsWith(this.root + sep)) throw new Error("path escapes the package");
    if (this.seen.has(rel)) throw new Error("duplicate name");
    this.seen.add(rel);
    const entry: StreamedEntry = {
      nameRaw,
      rel,
      isDir: name.endsWith("/"),
      method: fixed.readUInt16LE(8),
      compressedSize: fixed.readUInt32LE(18),
      uncompressedSize: fixed.readUInt32LE(22),
      crc32: fixed.readUInt32LE(14),
    };
    const offset = this.offset;
    this.offset += this.need + entry.compressedSize;
    this.header = Buffer.alloc(0);
    this.need = FIXED_HEADER_BYTES;
    this.fixed = undefined;

    if (entry.isDir) {
      if (entry.compressedSize !== 0 || entry.uncompressedSize !== 0) throw new Error("directory entry carries data");
      if (this.files.has(rel)) throw new Error("both a file and a directory");
      await makeDirs(this.root, rel, this.dirs);
      this.entries.set(offset, entry);
      this.state = "header";
      return;
    }
    if (this.dirs.has(rel) || ancestors(rel).some((a) => this.files.has(a))) throw new Error("file and directory clash");
    this.declaredTotal += entry.uncompressedSize;
    if (this.declaredTotal > this.limits.maxTotalBytes) throw new Error("past the total size limit");
    const parent = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
    if (parent) await makeDirs(this.root, parent, this.dirs);
    this.files.add(rel);
    const small = entry.compressedSize <= SMALL_COMPRESSED_BYTES && entry.uncompressedSize <= SMALL_INFLATED_BYTES;
    this.current = small
      ? { offset, entry, remaining: entry.compressedSize, small: { target, parts: [] } }
      : { offset, entry, remaining: entry.compressedSize, sink: await this.openSink(target, entry) };
    this.state = "data";
    if (entry.compressedSize === 0) await this.finishEntry();
  }

  private async openSink(target: string, entry: StreamedEntry): Promise<EntrySink> {
    const fail = (why: string) => new Error(why);
    const counter = entryCounter(entry, { written: this.written, limits: this.limits, fail });
    const fh = await createEntryFile(target, STREAMED_FILE_MODE, fail);
    const sink = fileSink(fh);
    const input = entry.method === 8 ? inflater() : counter.transform;
    const done = entry.method === 8 ? pipeline(input, counter.transform, sink, { signal: this.signal }) : pipeline(input, sink, { signal: this.signal });
    done.catch(() => {}); // observed in push() and finishEntry()
    return { input, done, fh, counter };
  }

  /** Pushes this entry's share of `buf`; returns what is left of it (the next header onwards). */
  private async feedData(buf: Buffer): Promise<Buffer> {
    const cur = this.current!;
    const take = Math.min(cur.remaining, buf.length);
    const piece = buf.subarray(0, take);
    cur.remaining -= take;
    if (cur.small) cur.small.parts.push(piece);
    else if (!cur.sink!.input.write(piece)) await Promise.race([once(cur.sink!.input, "drain"), cur.sink!.done]);
    if (cur.remaining === 0) await this.finishEntry();
    return buf.subarray(take);
  }

  private async finishEntry(): Promise<void> {
    const cur = this.current!;
    if (cur.small) return this.finishSmallEntry(cur, cur.small);
    const sink = cur.sink!;
    sink.input.end();
    try {
      await sink.done;
    } finally {
      await sink.fh.close().catch(() => {});
    }
    if (sink.counter.bytes() !== cur.entry.uncompressedSize) throw new Error("size differs from the local header");
    if (sink.counter.crc() !== cur.entry.crc32 >>> 0) throw new Error("CRC differs from the local header");
    this.entries.set(cur.offset, cur.entry);
    this.current = undefined;
    this.state = "header";
  }

  private async finishSmallEntry(cur: Current, small: NonNullable<Current["small"]>): Promise<void> {
    const { entry } = cur;
    const raw = Buffer.concat(small.parts);
    // maxOutputLength: a lying size cannot make this inflate more than the entry declares + 1.
    const data = entry.method === 8 ? inflateRawSync(raw, { maxOutputLength: entry.uncompressedSize + 1 }) : raw;
    this.written.total += data.length;
    const problem = inflationProblem(entry, data.length, this.written.total, this.limits);
    if (problem) throw new Error(problem);
    if (data.length !== entry.uncompressedSize) throw new Error("size differs from the local header");
    if (crc32(data) >>> 0 !== entry.crc32 >>> 0) throw new Error("CRC differs from the local header");
    this.entries.set(cur.offset, entry);
    this.current = undefined;
    this.state = "header";
    while (this.smallWrites.size >= SMALL_WRITES_AT_ONCE) await Promise.race(this.smallWrites);
    const write: Promise<void> = writeFile(small.target, data, { flag: NEW_FILE_FLAGS, mode: STREAMED_FILE_MODE }).then(
      () => {
        this.smallWrites.delete(write);
      },
      (err: unknown) => {
        this.smallWrites.delete(write);
        this.smallWriteError ??= (err as Error).message;
      },
    );
    this.smallWrites.add(write);
  }

  private readonly smallWrites = new Set<Promise<void>>();
  private smallWriteError: string | undefined;

  private async giveUp(why: string): Promise<void> {
    this.gaveUpBecause = why;
    await Promise.all(this.smallWrites);
    const sink = this.current?.sink;
    this.current = undefined;
    if (sink) {
      sink.input.destroy();
      await sink.done.catch(() => {});
      await sink.fh.close().catch(() => {});
    }
  }
}

/** The extra field's (id, data) records, as yauzl reads them (a truncated tail is ignored). */
function parseExtraFields(extra: Buffer): Array<{ id: number; data: Buffer }> {
  const out: Array<{ id: number; data: Buffer }> = [];
  for (let i = 0; i + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(i);
    const size = extra.readUInt16LE(i + 2);
    if (i + 4 + size > extra.length) break;
    out.push({ id, data: extra.subarray(i + 4, i + 4 + size) });
    i += 4 + size;
  }
  return out;
}
