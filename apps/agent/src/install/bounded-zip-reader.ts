// Opens a ZIP file for yauzl through a reader that refuses reads outside the file. yauzl's own
// file reader hands offsets taken from the archive straight to fs.read; a zip64 record can name
// an offset above 2^53, and fs.read then throws a RangeError inside an I/O callback, where no
// caller can catch it: the agent process died on one crafted upload (found by the ZIP fuzzer,
// apps/agent/src/reliability/). Here such a read fails like any other damaged archive.
// The reader shows yauzl only the archive itself (zip-framing.ts): a prefix before it, trailing
// bytes after it and a comment length off by one are what yauzl alone would refuse.
import { close, fstat, open, read } from "node:fs";
import { PassThrough, Readable } from "node:stream";
import yauzl, { type Options, type ZipFile } from "yauzl";
import { frameArchive, type ArchiveFraming } from "./zip-framing";

// Readable's default 16 KiB made extraction one thread-pool round trip per 16 KiB (bench/FINDINGS.md).
const READ_CHUNK_BYTES = 1024 * 1024;
const SMALL_READ_BYTES = 64 * 1024;
const READ_AHEAD_BYTES = 256 * 1024;

/** Bytes [start, end) of an fd by positional reads. Not fs.ReadStream: destroying one closes its fd, which yauzl shares. */
class RangeReadStream extends Readable {
  private pos: number;

  constructor(
    private readonly fd: number,
    start: number,
    private readonly end: number,
  ) {
    super({ highWaterMark: READ_CHUNK_BYTES });
    this.pos = start;
  }

  override _read(size: number): void {
    const len = Math.min(size, this.end - this.pos);
    if (len <= 0) return void this.push(null);
    const buf = Buffer.allocUnsafe(len);
    read(this.fd, buf, 0, len, this.pos, (err, bytesRead) => {
      if (err) return void this.destroy(err);
      if (bytesRead === 0) return void this.push(null);
      this.pos += bytesRead;
      this.push(buf.subarray(0, bytesRead));
    });
  }
}

/** The archive's bytes [framing.start, framing.end) of the file, as positions from 0. */
class BoundedFileReader extends yauzl.RandomAccessReader {
  private readonly size: number;

  constructor(
    private readonly fd: number,
    private readonly framing: ArchiveFraming,
  ) {
    super();
    this.size = framing.end - framing.start;
  }

  private outside(start: number, end: number): Error | undefined {
    if (Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end <= this.size) return undefined;
    return new Error(`the archive points at bytes ${start}–${end}, outside its ${this.size} bytes`);
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const err = this.outside(start, end);
    if (err) {
      const failed = new PassThrough();
      process.nextTick(() => failed.destroy(err));
      return failed;
    }
    return new RangeReadStream(this.fd, this.framing.start + start, this.framing.start + end);
  }

  /** The last window read for small reads: yauzl reads every central-directory entry in two small reads. */
  private window: { start: number; data: Buffer } | undefined;

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    const err = this.outside(position, position + length);
    if (err) return void setImmediate(() => callback(err));
    // yauzl reads the byte count too (the types leave it out): fewer bytes than asked is "unexpected EOF".
    const callerDone = callback as (err: Error | null, bytesRead?: number) => void;
    const done = (e: Error | null, bytesRead?: number) => {
      if (!e && bytesRead) this.patchCommentLength(buffer, offset, position, bytesRead);
      callerDone(e, bytesRead);
    };
    const fileAt = this.framing.start + position;
    if (length > SMALL_READ_BYTES) return void read(this.fd, buffer, offset, length, fileAt, (e, bytesRead) => done(e, bytesRead));
    // Small reads are served from a window read ahead (the file does not change while it is open):
    // one thread-pool round trip per 256 KiB of directory instead of two per entry.
    const w = this.window;
    if (w && position >= w.start && position + length <= w.start + w.data.length) {
      w.data.copy(buffer, offset, position - w.start, position - w.start + length);
      return void setImmediate(() => done(null, length));
    }
    const data = Buffer.allocUnsafe(Math.min(READ_AHEAD_BYTES, this.size - position));
    read(this.fd, data, 0, data.length, fileAt, (e, bytesRead) => {
      if (e) return done(e);
      const got = data.subarray(0, bytesRead);
      this.window = { start: position, data: got };
      const n = Math.min(length, got.length);
      got.copy(buffer, offset, 0, n);
      done(null, n);
    });
  }

  /** A comment the file cuts short: its length field reads as what is there, as Python takes it. */
  private patchCommentLength(buffer: Buffer, offset: number, position: number, bytesRead: number): void {
    const patch = this.framing.commentLength;
    if (!patch) return;
    const field = Buffer.alloc(2);
    field.writeUInt16LE(patch.value, 0);
    for (let i = 0; i < 2; i++) {
      const at = patch.at - this.framing.start + i - position;
      if (at >= 0 && at < bytesRead) buffer[offset + at] = field[i]!;
    }
  }

  override close(callback: (err: Error | null) => void): void {
    close(this.fd, callback);
  }
}

/** A ZipFile over the archive within the file, and where in the file that archive lies. */
export interface BoundedZip {
  zip: ZipFile;
  framing: ArchiveFraming;
}

/**
 * yauzl.openPromise over the archive zip-framing.ts finds in the file (refusing, as a
 * DomainError, one it cannot place), with every read checked against the archive's size.
 */
export async function openZipBounded(path: string, options: Options): Promise<BoundedZip> {
  const fd = await new Promise<number>((resolve, reject) => open(path, "r", (err, n) => (err ? reject(err) : resolve(n))));
  try {
    const size = await new Promise<number>((resolve, reject) => fstat(fd, (err, st) => (err ? reject(err) : resolve(st.size))));
    const framing = await frameArchive((position, length) => readAt(fd, position, length), size);
    const zip = await yauzl.fromRandomAccessReaderPromise(new BoundedFileReader(fd, framing), framing.end - framing.start, options);
    return { zip, framing };
  } catch (err) {
    // No ZipFile took the reader over: the fd is still ours to close.
    close(fd, () => {});
    throw err;
  }
}

function readAt(fd: number, position: number, length: number): Promise<Buffer> {
  if (length === 0) return Promise.resolve(Buffer.alloc(0));
  const buf = Buffer.alloc(length);
  return new Promise((resolve, reject) => read(fd, buf, 0, length, position, (err, n) => (err ? reject(err) : resolve(buf.subarray(0, n)))));
}
