// Verifies and extracts a package ZIP into a fresh directory. Everything a hostile archive can
// do is refused with InvalidArgument naming the entry: escaping paths, links, device and FIFO
// entries, duplicates, too many entries or bytes, lying sizes, bad CRCs, truncation. Files are
// created with O_EXCL|O_NOFOLLOW under `destDir` only; the caller removes `destDir` on failure.
import { Code, ConnectError } from "@connectrpc/connect";
import { constants } from "node:fs";
import { chmod, lstat, mkdir, open, type FileHandle } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32, createInflateRaw } from "node:zlib";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import { openZipBounded } from "./bounded-zip-reader";
import { normaliseEntryPath, showEntryName } from "./entry-path";

export interface ExtractLimits {
  /** Most entries (files + directories) an archive may hold. */
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

/**
 * Entries a StreamingZipExtractor already wrote while the upload arrived, by the offset of their
 * local header. With them, extractZip checks the archive exactly as before but, instead of
 * extracting, adopts each file the central directory names — only if it was streamed from the
 * same local header with the same name, method, sizes and CRC — and gives it its mode. Anything
 * else (an entry missing, different, or streamed but not in the directory) is a StreamMismatch:
 * the caller discards the directory and extracts from scratch.
 */
export interface AdoptStreamed {
  entries: ReadonlyMap<number, StreamedEntry>;
}

export interface StreamedEntry {
  /** Raw name bytes from the local header. */
  nameRaw: Buffer;
  rel: string;
  isDir: boolean;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
}

export class StreamMismatch extends Error {}

export async function extractZip(
  zipPath: string,
  destDir: string,
  limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS,
  signal?: AbortSignal,
  adopt?: AdoptStreamed,
): Promise<ExtractedPackage> {
  const root = resolve(destDir);
  if (!adopt) await mkdir(root, { mode: 0o755 });
  const adopted = new Set<number>();
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

        // A streamed entry's local header was read as it arrived (its name bytes are compared
        // on adoption); any other is read here.
        const streamedHere = adopt?.entries.get(entry.relativeOffsetOfLocalHeader);
        if (!streamedHere) {
          const local = await zip.readLocalFileHeaderPromise(entry).catch((err: unknown) => {
            throw fail(`damaged local header (${messageOf(err)})`);
          });
          if (!local.fileName.equals(entry.fileNameRaw)) {
            throw fail("local header names a different file than the central directory");
          }
        } else if (!streamedHere.nameRaw.equals(entry.fileNameRaw)) {
          throw new StreamMismatch(`${shown}: the local header names a different file`);
        }

        if (isDir) {
          if (entry.uncompressedSize !== 0 || entry.compressedSize > 2) throw fail("directory entry carries data");
          if (adopt) {
            const streamed = adopt.entries.get(entry.relativeOffsetOfLocalHeader);
            if (streamed && !(streamed.isDir && streamed.rel === rel)) throw new StreamMismatch(`${shown}: streamed as something else`);
            if (streamed) adopted.add(entry.relativeOffsetOfLocalHeader);
          }
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
        if (adopt) {
          adoptStreamed(adopt, entry, rel, shown);
          adopted.add(entry.relativeOffsetOfLocalHeader);
          if (fileMode !== STREAMED_FILE_MODE) await chmod(target, fileMode);
          written.total += entry.uncompressedSize;
        } else {
          await pool.run(index, (poolSignal) => extractFile(zip, entry, target, { fileMode, written, limits, fail, signal: poolSignal }));
        }
        out.files.add(rel);
      }
    } catch (err) {
      pool.fail(index, err);
    }
    await pool.finish();
    // A local entry the central directory does not name would be a file nobody checked.
    if (adopt && adopted.size !== adopt.entries.size) throw new StreamMismatch(`${adopt.entries.size - adopted.size} streamed entries are not in the central directory`);
    out.totalBytes = written.total;
    return out;
  } finally {
    zip.close();
  }
}

/** Streamed files are created with this mode; adoption gives executables theirs. */
export const STREAMED_FILE_MODE = 0o644;

function adoptStreamed(adopt: AdoptStreamed, entry: Entry, rel: string, shown: string): void {
  const s = adopt.entries.get(entry.relativeOffsetOfLocalHeader);
  const same =
    s !== undefined &&
    !s.isDir &&
    s.rel === rel &&
    s.nameRaw.equals(entry.fileNameRaw) &&
    s.method === entry.compressionMethod &&
    s.compressedSize === entry.compressedSize &&
    s.uncompressedSize === entry.uncompressedSize &&
    s.crc32 >>> 0 === entry.crc32 >>> 0;
  if (!same) throw new StreamMismatch(`${shown}: not streamed as the central directory describes it`);
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

export interface FileOptions {
  fileMode: number;
  /** Bytes written by every entry of this package so far (entries are extracted concurrently). */
  written: { total: number };
  limits: ExtractLimits;
  fail: (why: string) => ConnectError;
  signal?: AbortSignal;
}

/** What an entry declares about itself (central directory, or local header when streaming). */
export interface DeclaredEntry {
  compressedSize: number;
  uncompressedSize: number;
}

/**
 * Why an entry that has inflated to `entryBytes` so far (the package to `packageBytes`) must stop:
 * past what it declares, past the package's total, or past the zip-bomb ratio; else undefined.
 */
export function inflationProblem(entry: DeclaredEntry, entryBytes: number, packageBytes: number, limits: ExtractLimits): string | undefined {
  if (entryBytes > entry.uncompressedSize) return `declares ${entry.uncompressedSize} bytes but holds more`;
  if (packageBytes > limits.maxTotalBytes) return `the package inflates past the ${limits.maxTotalBytes}-byte limit`;
  if (entryBytes > RATIO_FLOOR_BYTES && entryBytes > Math.max(entry.compressedSize, 1) * limits.maxRatio) return `compression ratio above ${limits.maxRatio}:1 (a zip bomb?)`;
  return undefined;
}

/**
 * Counts an entry's real inflated bytes (into o.written too) and their CRC, and stops at the
 * first byte that inflationProblem refuses.
 */
export function entryCounter(entry: DeclaredEntry, o: { written: { total: number }; limits: ExtractLimits; fail: (why: string) => Error }): { transform: Transform; bytes(): number; crc(): number } {
  let entryBytes = 0;
  let crc = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      entryBytes += chunk.length;
      o.written.total += chunk.length;
      const problem = inflationProblem(entry, entryBytes, o.written.total, o.limits);
      if (problem) return done(o.fail(problem));
      crc = crc32(chunk, crc);
      done(null, chunk);
    },
  });
  return { transform, bytes: () => entryBytes, crc: () => crc >>> 0 };
}

/** How every extracted file is created: a new file, never an existing one, never through a symlink. */
export const NEW_FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** A new file for an entry (NEW_FILE_FLAGS). */
export async function createEntryFile(target: string, fileMode: number, fail: (why: string) => Error) {
  return open(target, NEW_FILE_FLAGS, fileMode).catch((err: unknown) => {
    throw fail(`cannot be created (${messageOf(err)})`);
  });
}

export const inflater = () => createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES });
export const fileSink = (fh: FileHandle) => fh.createWriteStream({ highWaterMark: WRITE_BUFFER_BYTES });

/** Inflates one entry to a new file, counting real bytes (into o.written too) and the CRC. */
async function extractFile(zip: ZipFile, entry: Entry, target: string, o: FileOptions): Promise<void> {
  const counter = entryCounter(entry, o);
  const fh = await createEntryFile(target, o.fileMode, o.fail);
  try {
    let source;
    try {
      // Raw bytes (exactly compressedSize of them, checked by yauzl); we inflate with bigger chunks.
      source = await zip.openReadStreamPromise(entry, { decodeFileData: false });
    } catch (err) {
      throw o.fail(`cannot be read (${messageOf(err)})`);
    }
    const sink = fileSink(fh);
    if (entry.compressionMethod === 8) {
      await pipeline(source, inflater(), counter.transform, sink, { signal: o.signal });
    } else {
      await pipeline(source, counter.transform, sink, { signal: o.signal });
    }
  } catch (err) {
    if (err instanceof ConnectError || (err instanceof Error && err.name === "AbortError")) throw err;
    // yauzl's count of the raw bytes ("too many bytes in the stream", "not enough bytes"), zlib errors.
    throw o.fail(`data is damaged or its size is wrong (${messageOf(err)})`);
  } finally {
    await fh.close().catch(() => {});
  }
  if (counter.bytes() !== entry.uncompressedSize) {
    throw o.fail(`declares ${entry.uncompressedSize} bytes but holds ${counter.bytes()}`);
  }
  if (counter.crc() !== entry.crc32 >>> 0) throw o.fail("CRC-32 mismatch: the data is corrupt");
}

/** mkdir each segment below root, refusing anything that exists and is not a directory. */
export async function makeDirs(root: string, rel: string, dirs: Set<string>): Promise<void> {
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

export function ancestors(rel: string): string[] {
  const parts = rel.split("/");
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join("/"));
  return out;
}

export function decodeName(entry: Pick<Entry, "generalPurposeBitFlag" | "fileNameRaw" | "extraFields">): string {
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
