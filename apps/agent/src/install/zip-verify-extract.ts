// Verifies and extracts a package ZIP into a fresh directory. Everything a hostile archive can
// do is refused with InvalidArgument naming the entry: escaping paths, links, device and FIFO
// entries, duplicates, too many entries or bytes, lying sizes, bad CRCs, truncation. Files are
// created with O_EXCL|O_NOFOLLOW under `destDir` only; the caller removes `destDir` on failure.
import { DomainError } from "../domain-error";
import { constants } from "node:fs";
import { chmod, lstat, mkdir, open, type FileHandle } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32, createInflateRaw } from "node:zlib";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import { openZipBounded, type BoundedZip } from "./bounded-zip-reader";
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

/** An entry a StreamingZipExtractor wrote while the upload arrived, keyed by its local header's offset. */
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

export interface VerifyStreamedOptions {
  zipPath: string;
  /** The tree the streamed entries were written into; adopted in place. */
  dir: string;
  streamed: ReadonlyMap<number, StreamedEntry>;
  limits?: ExtractLimits;
  signal?: AbortSignal;
}

/** Either the streamed tree is the package, or why it is not (the caller extracts from scratch). */
export type StreamedVerdict = { adopted: true; pkg: ExtractedPackage } | { adopted: false; reason: string };

/** Verifies a package ZIP and extracts it into `destDir`, which must not exist yet. */
export async function extractZip(
  zipPath: string,
  destDir: string,
  limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS,
  signal?: AbortSignal,
): Promise<ExtractedPackage> {
  const root = resolve(destDir);
  await mkdir(root, { mode: 0o755 });
  const res = await walkArchive(zipPath, root, limits, signal, {
    localHeader: (entry, ctx, fail) => checkLocalHeader(ctx.zip, entry, fail),
    dir: () => undefined,
    file: async (f, ctx) => {
      await ctx.pool.run(ctx.index, (poolSignal) =>
        extractFile(ctx.zip, f.entry, f.target, { fileMode: f.fileMode, written: ctx.written, limits, fail: f.fail, signal: poolSignal }),
      );
      return undefined;
    },
    end: () => undefined,
  });
  return res.pkg;
}

/**
 * Checks the archive exactly as extractZip does (every refusal is the same) but, instead of
 * extracting, adopts the tree a StreamingZipExtractor already wrote: each entry the central
 * directory names must have been streamed from the same local header offset with the same
 * name, method, sizes and CRC, and nothing else may have been streamed (a local entry the
 * directory does not name would be a file nobody checked). Adopted files get their modes.
 * Any difference, and any refusal, is not an error here: the verdict says why, and the caller
 * extracts from scratch.
 */
export async function verifyStreamed(o: VerifyStreamedOptions): Promise<StreamedVerdict> {
  const root = resolve(o.dir);
  const adopted = new Set<number>();
  // Streamed entries are keyed by their place in the file; the directory's offsets count from the
  // archive's start, which a prefix moves (zip-framing.ts). Entries streamed from before it
  // (another archive in front) then match none and are "not in the central directory".
  const fileOffset = (e: Entry, ctx: WalkContext) => ctx.archiveStart + e.relativeOffsetOfLocalHeader;
  const streamedAt = (e: Entry, ctx: WalkContext) => o.streamed.get(fileOffset(e, ctx));
  const walked = walkArchive(o.zipPath, root, o.limits ?? DEFAULT_EXTRACT_LIMITS, o.signal, {
    // A streamed entry's local header was read as it arrived; any other is read here.
    localHeader: async (entry, ctx, fail) => {
      const s = streamedAt(entry, ctx);
      if (!s) return checkLocalHeader(ctx.zip, entry, fail);
      return s.nameRaw.equals(entry.fileNameRaw) ? undefined : "the local header names a different file";
    },
    dir: (entry, rel, ctx) => {
      const s = streamedAt(entry, ctx);
      if (!s) return undefined;
      if (!(s.isDir && s.rel === rel)) return "streamed as something else";
      adopted.add(fileOffset(entry, ctx));
      return undefined;
    },
    file: async (f, ctx) => {
      const why = streamedMismatch(streamedAt(f.entry, ctx), f.entry, f.rel);
      if (why) return why;
      adopted.add(fileOffset(f.entry, ctx));
      if (f.fileMode !== STREAMED_FILE_MODE) await chmod(f.target, f.fileMode);
      ctx.written.total += f.entry.uncompressedSize;
      return undefined;
    },
    end: () => (adopted.size === o.streamed.size ? undefined : `${o.streamed.size - adopted.size} streamed entries are not in the central directory`),
  });
  // A refusal is not adopted either: extractZip alone judges what is refused and says why, so
  // the message never depends on which entries happened to be streamed (zip-fuzz-adopt found
  // a later entry's refusal reported here where extractZip names an earlier damaged one).
  const res = await walked.catch((err: unknown) => {
    if (err instanceof DomainError && err.kind === "invalid-argument") return { refused: err.message };
    throw err;
  });
  if ("refused" in res) return { adopted: false, reason: `refused: ${res.refused}` };
  return res.mismatch === undefined ? { adopted: true, pkg: res.pkg } : { adopted: false, reason: res.mismatch };
}

/** Streamed files are created with this mode; adoption gives executables theirs. */
export const STREAMED_FILE_MODE = 0o644;

/**
 * Why a streamed entry is not the file the central directory describes, or undefined when it
 * is: same local header, name, method, sizes and CRC.
 */
export function streamedMismatch(s: StreamedEntry | undefined, entry: Pick<Entry, "fileNameRaw" | "compressionMethod" | "compressedSize" | "uncompressedSize" | "crc32">, rel: string): string | undefined {
  if (s === undefined) return "not streamed";
  const differs = [
    s.isDir && "streamed as a directory",
    s.rel !== rel && "streamed under another path",
    !s.nameRaw.equals(entry.fileNameRaw) && "another name",
    s.method !== entry.compressionMethod && "another compression method",
    s.compressedSize !== entry.compressedSize && "another compressed size",
    s.uncompressedSize !== entry.uncompressedSize && "another size",
    s.crc32 >>> 0 !== entry.crc32 >>> 0 && "another CRC",
  ].filter((d): d is string => typeof d === "string");
  return differs.length ? `not streamed as the central directory describes it (${differs.join(", ")})` : undefined;
}

interface WalkContext {
  zip: ZipFile;
  /** Where the archive starts in the file (after a prefix); its offsets count from here. */
  archiveStart: number;
  pool: ExtractionPool;
  written: { total: number };
  /** The entry's place in the directory: the earliest failing entry's error is reported. */
  index: number;
}

interface FileVisit {
  entry: Entry;
  rel: string;
  target: string;
  fileMode: number;
  fail: (why: string) => Error;
}

/** What extractZip and verifyStreamed do with each entry that passed the checks; a string stops the walk. */
interface EntryVisitor {
  localHeader(entry: Entry, ctx: WalkContext, fail: (why: string) => Error): Promise<string | undefined>;
  dir(entry: Entry, rel: string, ctx: WalkContext): string | undefined;
  file(f: FileVisit, ctx: WalkContext): Promise<string | undefined>;
  end(): string | undefined;
}

async function checkLocalHeader(zip: ZipFile, entry: Entry, fail: (why: string) => Error): Promise<undefined> {
  const local = await zip.readLocalFileHeaderPromise(entry).catch((err: unknown) => {
    throw fail(`damaged local header (${messageOf(err)})`);
  });
  if (!local.fileName.equals(entry.fileNameRaw)) {
    throw fail("local header names a different file than the central directory");
  }
  return undefined;
}

/**
 * Reads the central directory and refuses what a hostile archive can do, entry by entry, handing
 * each entry that passes to the visitor. Returns the visitor's first objection, if any, with
 * the shown entry name in front.
 */
async function walkArchive(
  zipPath: string,
  root: string,
  limits: ExtractLimits,
  signal: AbortSignal | undefined,
  visit: EntryVisitor,
): Promise<{ pkg: ExtractedPackage; mismatch?: string }> {
  let opened: BoundedZip;
  try {
    opened = await openZipBounded(zipPath, {
      lazyEntries: true,
      autoClose: false,
      // We decode and judge names ourselves so every refusal has the same shape.
      decodeStrings: false,
      validateEntrySizes: true,
      strictFileNames: true,
    });
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw refuse(`package is not a valid ZIP archive (${messageOf(err)})`);
  }
  const { zip } = opened;
  try {
    if (zip.entryCount === 0) throw refuse("package is empty: the ZIP has no entries");
    if (zip.entryCount > limits.maxEntries) {
      throw refuse(`package has ${zip.entryCount} entries; the limit is ${limits.maxEntries}`);
    }
    const out: ExtractedPackage = { files: new Set(), dirs: new Set(), totalBytes: 0 };
    const seen = new Set<string>();
    let declaredTotal = 0;
    const entries = zip.eachEntry();
    const ctx: WalkContext = { zip, archiveStart: opened.framing.start, pool: new ExtractionPool(signal), written: { total: 0 }, index: -1 };
    let mismatch: string | undefined;
    try {
      while (mismatch === undefined) {
        let next: IteratorResult<Entry>;
        try {
          next = await entries.next();
        } catch (err) {
          throw refuse(`package is not a valid ZIP archive (${messageOf(err)})`);
        }
        if (next.done) break;
        signal?.throwIfAborted();
        ctx.pool.throwIfFailed();
        ctx.index++;
        const entry = next.value;
        const rawName = decodeName(entry);
        const shown = showEntryName(rawName);
        const fail = (why: string) => refuse(`package entry ${shown}: ${why}`);
        const objection = (why: string | undefined) => (why === undefined ? undefined : `${shown}: ${why}`);

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

        mismatch = objection(await visit.localHeader(entry, ctx, fail));
        if (mismatch !== undefined) break;

        if (isDir) {
          if (entry.uncompressedSize !== 0 || entry.compressedSize > 2) throw fail("directory entry carries data");
          mismatch = objection(visit.dir(entry, rel, ctx));
          if (mismatch === undefined) await makeDirs(root, rel, out.dirs);
          continue;
        }

        declaredTotal += entry.uncompressedSize;
        if (declaredTotal > limits.maxTotalBytes) {
          throw fail(`the package would inflate past the ${limits.maxTotalBytes}-byte limit`);
        }
        const parent = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
        if (parent) await makeDirs(root, parent, out.dirs);
        const fileMode = type === S_IFREG && (mode & 0o111) !== 0 ? 0o755 : 0o644;
        mismatch = objection(await visit.file({ entry, rel, target, fileMode, fail }, ctx));
        out.files.add(rel);
      }
    } catch (err) {
      ctx.pool.fail(ctx.index, err);
    }
    await ctx.pool.finish();
    mismatch ??= visit.end();
    out.totalBytes = ctx.written.total;
    return { pkg: out, mismatch };
  } finally {
    zip.close();
  }
}

/** Files inflated at once: zlib and file writes run in libuv's pool (4 threads), so both cores work. */
const EXTRACT_CONCURRENCY = 4;

/**
 * Runs entry extractions a few at a time while the central directory is still being checked. On
 * a failure the later entries are aborted and every task is waited for — nothing writes into the
 * directory after extractZip returns — and the error reported is that of the earliest entry, as
 * if one by one. Earlier entries still in flight run to their end: aborting them would hide
 * their own error behind a later one (zip-fuzz-adopt saw the message change from run to run).
 */
class ExtractionPool {
  private readonly inFlight = new Map<Promise<void>, { index: number; abort: AbortController }>();
  private first: { index: number; err: unknown } | undefined;

  constructor(private readonly outer?: AbortSignal) {}

  /** Starts `task` once a slot is free (waiting here is the backpressure on reading entries). */
  async run(index: number, task: (signal: AbortSignal) => Promise<void>): Promise<void> {
    while (this.inFlight.size >= EXTRACT_CONCURRENCY) await Promise.race(this.inFlight.keys());
    this.throwIfFailed();
    const abort = new AbortController();
    const signal = this.outer ? AbortSignal.any([this.outer, abort.signal]) : abort.signal;
    const p: Promise<void> = task(signal).then(
      () => {
        this.inFlight.delete(p);
      },
      (err: unknown) => {
        this.inFlight.delete(p);
        // An abort this pool caused is an echo of a failure that is already recorded.
        if (!(abort.signal.aborted && !this.outer?.aborted)) this.fail(index, err);
      },
    );
    this.inFlight.set(p, { index, abort });
  }

  fail(index: number, err: unknown): void {
    if (!this.first || index < this.first.index) this.first = { index, err };
    for (const t of this.inFlight.values()) if (t.index > index) t.abort.abort();
  }

  throwIfFailed(): void {
    if (this.first) throw this.first.err;
  }

  async finish(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight.keys());
    this.throwIfFailed();
  }
}

export interface FileOptions {
  fileMode: number;
  /** Bytes written by every entry of this package so far (entries are extracted concurrently). */
  written: { total: number };
  limits: ExtractLimits;
  fail: (why: string) => Error;
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
    if (err instanceof DomainError || (err instanceof Error && err.name === "AbortError")) throw err;
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

function refuse(message: string): DomainError {
  return new DomainError(message, "invalid-argument");
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
