// Opens a ZIP file for yauzl through a reader that refuses reads outside the file. yauzl's own
// file reader hands offsets taken from the archive straight to fs.read; a zip64 record can name
// an offset above 2^53, and fs.read then throws a RangeError inside an I/O callback, where no
// caller can catch it: the agent process died on one crafted upload (found by the ZIP fuzzer,
// apps/agent/src/reliability/). Here such a read fails like any other damaged archive.
import { close, fstat, open, read } from "node:fs";
import { PassThrough, Readable } from "node:stream";
import yauzl, { type Options, type ZipFile } from "yauzl";

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

class BoundedFileReader extends yauzl.RandomAccessReader {
  constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {
    super();
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
    return new RangeReadStream(this.fd, start, end);
  }

  /** The last window read for small reads: yauzl reads every central-directory entry in two small reads. */
  private window: { start: number; data: Buffer } | undefined;

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    const err = this.outside(position, position + length);
    if (err) return void setImmediate(() => callback(err));
    // yauzl reads the byte count too (the types leave it out): fewer bytes than asked is "unexpected EOF".
    const done = callback as (err: Error | null, bytesRead?: number) => void;
    if (length > SMALL_READ_BYTES) return void read(this.fd, buffer, offset, length, position, (e, bytesRead) => done(e, bytesRead));
    // Small reads are served from a window read ahead (the file does not change while it is open):
    // one thread-pool round trip per 256 KiB of directory instead of two per entry.
    const w = this.window;
    if (w && position >= w.start && position + length <= w.start + w.data.length) {
      w.data.copy(buffer, offset, position - w.start, position - w.start + length);
      return void setImmediate(() => done(null, length));
    }
    const data = Buffer.allocUnsafe(Math.min(READ_AHEAD_BYTES, this.size - position));
    read(this.fd, data, 0, data.length, position, (e, bytesRead) => {
      if (e) return done(e);
      const got = data.subarray(0, bytesRead);
      this.window = { start: position, data: got };
      const n = Math.min(length, got.length);
      got.copy(buffer, offset, 0, n);
      done(null, n);
    });
  }

  override close(callback: (err: Error | null) => void): void {
    close(this.fd, callback);
  }
}

/** yauzl.openPromise, with every read checked against the file's size. */
export async function openZipBounded(path: string, options: Options): Promise<ZipFile> {
  const fd = await new Promise<number>((resolve, reject) => open(path, "r", (err, n) => (err ? reject(err) : resolve(n))));
  try {
    const size = await new Promise<number>((resolve, reject) => fstat(fd, (err, st) => (err ? reject(err) : resolve(st.size))));
    return await yauzl.fromRandomAccessReaderPromise(new BoundedFileReader(fd, size), size, options);
  } catch (err) {
    // No ZipFile took the reader over: the fd is still ours to close.
    close(fd, () => {});
    throw err;
  }
}
