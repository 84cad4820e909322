// Verifies and extracts a package ZIP into a fresh directory. Everything a hostile archive can
// do is refused with InvalidArgument naming the entry: escaping paths, links, device and FIFO
// entries, duplicates, too many entries or bytes, lying sizes, bad CRCs, truncation. Files are
// created with O_EXCL|O_NOFOLLOW under `destDir` only; the caller removes `destDir` on failure.
import { Code, ConnectError } from "@connectrpc/connect";
import { constants } from "node:fs";
import { lstat, mkdir, open } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32, createInflateRaw } from "node:zlib";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import { openZipBounded } from "./bounded-zip-reader";
import { normaliseEntryPath, showEntryName } from "./entry-path";

export interface ExtractLimits {
  /** Most entries (files + directories) an archive may hold. Issue: 10,000. */
  maxEntries: number;
  /** Most bytes all files may inflate to, counted on the real inflated data. */
  maxTotalBytes: number;
  /** Largest inflated/compressed ratio for an entry bigger than 1 MiB (a "zip bomb"). */
  maxRatio: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = {
  maxEntries: 10_000,
  maxTotalBytes: 4 * 1024 ** 3,
  maxRatio: 1_000,
};

export interface ExtractedPackage {
  /** Normalised relative paths of the regular files written. */
  files: Set<string>;
  dirs: Set<string>;
  totalBytes: number;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const TYPE_NAMES: Record<number, string> = {
  0o120000: "a symbolic link",
  0o020000: "a character device",
  0o060000: "a block device",
  0o010000: "a FIFO",
  0o140000: "a socket",
};
// PKWARE's Unix extra field: its variable part holds the target of a hard or symbolic link.
const PKWARE_UNIX_EXTRA = 0x000d;
const RATIO_FLOOR_BYTES = 1024 * 1024;
// Big pieces: with Node's 16 KiB defaults every inflate and write step is a thread-pool round trip
// (bench/FINDINGS.md: extraction was ~2x `unzip`, the main thread half idle).
const INFLATE_CHUNK_BYTES = 256 * 1024;
const WRITE_BUFFER_BYTES = 1024 * 1024;

export async function extractZip(
  zipPath: string,
  destDir: string,
  limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS,
  signal?: AbortSignal,
): Promise<ExtractedPackage> {
  const root = resolve(destDir);
  await mkdir(root, { mode: 0o755 });
  let zip: ZipFile;
  try {
    zip = await openZipBounded(zipPath, {
      lazyEntries: true,
      autoClose: false,
      // We decode and judge names ourselves so every refusal has the same shape.
      decodeStrings: false,
      validateEntrySizes: true,
      strictFileNames: true,
    });
  } catch (err) {
    throw refuse(`package is not a valid ZIP archive (${messageOf(err)})`);
  }
  try {
    if (zip.entryCount === 0) throw refuse("package is empty: the ZIP has no entries");
    if (zip.entryCount > limits.maxEntries) {
      throw refuse(`package has ${zip.entryCount} entries; the limit is ${limits.maxEntries}`);
    }
    const out: ExtractedPackage = { files: new Set(), dirs: new Set(), totalBytes: 0 };
    const seen = new Set<string>();
    let declaredTotal = 0;
    const entries = zip.eachEntry();
    const pool = new ExtractionPool(signal);
    const written = { total: 0 };
    let index = -1;
    try {
      while (true) {
        let next: IteratorResult<Entry>;
        try {
          next = await entries.next();
        } catch (err) {
          throw refuse(`package is not a valid ZIP archive (${messageOf(err)})`);
        }
        if (next.done) break;
        signal?.throwIfAborted();
        pool.throwIfFailed();
        index++;
        const entry = next.value;
        const rawName = decodeName(entry);
        const shown = showEntryName(rawName);
        const fail = (why: string) => refuse(`package entry ${shown}: ${why}`);

        const norm = normaliseEntryPath(rawName);
        if (!norm.ok) throw fail(norm.reason);
        const rel = norm.path;
        const target = join(root, rel);
        if (!target.startsWith(root + sep)) throw fail("path escapes the package");

        const mode = entry.externalFileAttributes >>> 16;
        const type = mode & S_IFMT;
        const typeName = TYPE_NAMES[type];
        if (typeName) throw fail(`is ${typeName}; only regular files and directories are allowed`);
        if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
          throw fail(`has an unknown file type (mode ${mode.toString(8)})`);
        }
        if (entry.extraFields.some((f) => f.id === PKWARE_UNIX_EXTRA && f.data.length > 12)) {
          throw fail("is a hard or symbolic link (PKWARE Unix link field)");
        }
        if (entry.isEncrypted()) throw fail("is encrypted");
        if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
          throw fail(`uses compression method ${entry.compressionMethod}; only stored and deflate are supported`);
        }
        const isDir = rawName.endsWith("/") || type === S_IFDIR;
        if (seen.has(rel)) throw fail("duplicate name");
        seen.add(rel);
        if (!isDir && out.dirs.has(rel)) throw fail("is both a file and a directory");
        const parentClash = ancestors(rel).find((a) => out.files.has(a));
        if (parentClash !== undefined) throw fail(`is inside ${showEntryName(parentClash)}, which is a file`);

        const local = await zip.readLocalFileHeaderPromise(entry).catch((err: unknown) => {
          throw fail(`damaged local header (${messageOf(err)})`);
        });
        if (!local.fileName.equals(entry.fileNameRaw)) {
          throw fail("local header names a different file than the central directory");
        }

        if (isDir) {
          if (entry.uncompressedSize !== 0 || entry.compressedSize > 2) throw fail("directory entry carries data");
          await makeDirs(root, rel, out.dirs);
          continue;
        }

        declaredTotal += entry.uncompressedSize;
        if (declaredTotal > limits.maxTotalBytes) {
          throw fail(`the package would inflate past the ${limits.maxTotalBytes}-byte limit`);
        }
        const parent = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
        if (parent) await makeDirs(root, parent, out.dirs);
        const fileMode = type === S_IFREG && (mode & 0o111) !== 0 ? 0o755 : 0o644;
        await pool.run(index, (poolSignal) => extractFile(zip, entry, target, { fileMode, written, limits, fail, signal: poolSignal }));
        out.files.add(rel);
      }
    } catch (err) {
      pool.fail(index, err);
    }
    await pool.finish();
    out.totalBytes = written.total;
    return out;
  } finally {
    zip.close();
  }
}

/** Files inflated at once: zlib and file writes run in libuv's pool (4 threads), so both cores work. */
const EXTRACT_CONCURRENCY = 4;

/**
 * Runs entry extractions a few at a time while the central directory is still being checked. On
 * any failure the rest are aborted and waited for — nothing writes into the directory after
 * extractZip returns — and the error reported is that of the earliest entry, as if one by one.
 */
class ExtractionPool {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private first: { index: number; err: unknown } | undefined;
  readonly signal: AbortSignal;

  constructor(outer?: AbortSignal) {
    this.signal = outer ? AbortSignal.any([outer, this.abort.signal]) : this.abort.signal;
  }

  /** Starts `task` once a slot is free (waiting here is the backpressure on reading entries). */
  async run(index: number, task: (signal: AbortSignal) => Promise<void>): Promise<void> {
    while (this.inFlight.size >= EXTRACT_CONCURRENCY) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const p: Promise<void> = task(this.signal).then(
      () => {
        this.inFlight.delete(p);
      },
      (err: unknown) => {
        this.inFlight.delete(p);
        this.fail(index, err);
      },
    );
    this.inFlight.add(p);
  }

  fail(index: number, err: unknown): void {
    // Aborts caused by an earlier failure are echoes, not causes.
    const echo = this.abort.signal.aborted && err instanceof Error && err.name === "AbortError";
    if (!echo && (!this.first || index < this.first.index)) this.first = { index, err };
    this.abort.abort();
  }

  throwIfFailed(): void {
    if (this.first) throw this.first.err;
  }

  async finish(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }
}

interface FileOptions {
  fileMode: number;
  /** Bytes written by every entry of this package so far (entries are extracted concurrently). */
  written: { total: number };
  limits: ExtractLimits;
  fail: (why: string) => ConnectError;
  signal?: AbortSignal;
}

/** Inflates one entry to a new file, counting real bytes (into o.written too) and the CRC. */
async function extractFile(zip: ZipFile, entry: Entry, target: string, o: FileOptions): Promise<void> {
  let entryBytes = 0;
  let crc = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      entryBytes += chunk.length;
      o.written.total += chunk.length;
      // The entry is read raw and inflated here, so yauzl's own "too many bytes" check is ours.
      if (entryBytes > entry.uncompressedSize) {
        return done(o.fail(`declares ${entry.uncompressedSize} bytes but holds more`));
      }
      if (o.written.total > o.limits.maxTotalBytes) {
        return done(o.fail(`the package inflates past the ${o.limits.maxTotalBytes}-byte limit`));
      }
      if (entryBytes > RATIO_FLOOR_BYTES && entryBytes > Math.max(entry.compressedSize, 1) * o.limits.maxRatio) {
        return done(o.fail(`compression ratio above ${o.limits.maxRatio}:1 (a zip bomb?)`));
      }
      crc = crc32(chunk, crc);
      done(null, chunk);
    },
  });
  const fh = await open(
    target,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    o.fileMode,
  ).catch((err: unknown) => {
    throw o.fail(`cannot be created (${messageOf(err)})`);
  });
  try {
    let source;
    try {
      // Raw bytes (exactly compressedSize of them, checked by yauzl); we inflate with bigger chunks.
      source = await zip.openReadStreamPromise(entry, { decodeFileData: false });
    } catch (err) {
      throw o.fail(`cannot be read (${messageOf(err)})`);
    }
    const sink = fh.createWriteStream({ highWaterMark: WRITE_BUFFER_BYTES });
    if (entry.compressionMethod === 8) {
      await pipeline(source, createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES }), counter, sink, { signal: o.signal });
    } else {
      await pipeline(source, counter, sink, { signal: o.signal });
    }
  } catch (err) {
    if (err instanceof ConnectError || (err instanceof Error && err.name === "AbortError")) throw err;
    // yauzl's count of the raw bytes ("too many bytes in the stream", "not enough bytes"), zlib errors.
    throw o.fail(`data is damaged or its size is wrong (${messageOf(err)})`);
  } finally {
    await fh.close().catch(() => {});
  }
  if (entryBytes !== entry.uncompressedSize) {
    throw o.fail(`declares ${entry.uncompressedSize} bytes but holds ${entryBytes}`);
  }
  if (crc >>> 0 !== entry.crc32 >>> 0) throw o.fail("CRC-32 mismatch: the data is corrupt");
}

/** mkdir each segment below root, refusing anything that exists and is not a directory. */
async function makeDirs(root: string, rel: string, dirs: Set<string>): Promise<void> {
  let sofar = "";
  for (const seg of rel.split("/")) {
    sofar = sofar ? `${sofar}/${seg}` : seg;
    if (dirs.has(sofar)) continue;
    const p = join(root, sofar);
    try {
      await mkdir(p, { mode: 0o755 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const st = await lstat(p);
      if (!st.isDirectory()) {
        throw refuse(`package entry ${showEntryName(rel)}: ${showEntryName(sofar)} is a file, not a directory`);
      }
    }
    dirs.add(sofar);
  }
}

function ancestors(rel: string): string[] {
  const parts = rel.split("/");
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join("/"));
  return out;
}

function decodeName(entry: Entry): string {
  // With decodeStrings off, fileName is the raw Buffer; decode it the way yauzl would
  // (UTF-8 flag, Info-ZIP Unicode path field, else CP437) but keep backslashes as they are.
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
}

function refuse(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
