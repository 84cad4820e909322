// Where the ZIP archive lies inside an uploaded file, decided as Python's zipfile decides it, so
// the agent installs what `python3 -m zipfile -l` lists for the same file (and what Go's
// archive/zip lists, where Go reads it at all: it refuses a comment the file cuts short):
// - the end record is the last "PK\5\6" in the file's last 64 KiB + 22 bytes;
// - bytes after it and its comment (trailing bytes, or a comment length one too short) are not
//   part of the archive, and a comment the file cuts short (a length one too long) ends there;
// - a prefix (a self-extracting stub, a shell script) is skipped. Offsets in the directory may
//   count from the file's start (`zip -A` adjusts them) or from the archive's own start, which
//   is then found from where the central directory must end: right before the end record.
// What readers would take for different archives is refused, naming the problem: a central
// directory found both ways, two end records that different readers pick, stray bytes between
// the directory and the end record (Python refuses those; Go reads them).
import { DomainError } from "../domain-error";

const END_SIGNATURE = 0x06054b50;
const END_BYTES = 22;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_END_SIGNATURE = 0x06064b50;
const ZIP64_END_BYTES = 56;
const CENTRAL_SIGNATURE = 0x02014b50;
/** Python's search: the largest comment (64 KiB) plus the record. */
const SEARCH_BYTES = 0x10000 + END_BYTES;

export interface ArchiveFraming {
  /** Byte of the file where the archive starts: its offsets count from here. */
  start: number;
  /** Byte where it ends (after the end record's comment); anything beyond is not read. */
  end: number;
  /** When the file cuts the comment short: the comment length to read instead (at `at`, 2 bytes). */
  commentLength?: { at: number; value: number };
}

/** `length` bytes from `position`, fewer at the end of the file. */
export type ReadAt = (position: number, length: number) => Promise<Buffer>;

/** Locates the archive in a file of `size` bytes, or refuses it (InvalidArgument) naming why. */
export async function frameArchive(readAt: ReadAt, size: number): Promise<ArchiveFraming> {
  const tailStart = Math.max(size - SEARCH_BYTES, 0);
  const tail = await readAt(tailStart, size - tailStart);
  const at = pythonEndRecord(tail);
  if (at === undefined) throw notZip("no end-of-central-directory record in its last 64 KiB");
  if (at + END_BYTES > tail.length) throw notZip(`its end-of-central-directory record at byte ${tailStart + at} is cut short`);
  const fitting = fittingEndRecord(tail);
  if (fitting !== undefined && fitting !== at) {
    throw ambiguous(`it has end records at bytes ${tailStart + fitting} and ${tailStart + at}, and ZIP readers differ on which one counts`);
  }
  const endRecord = tailStart + at;
  const declared = tail.readUInt16LE(at + 20);
  const present = tail.length - at - END_BYTES;
  const framing: ArchiveFraming = { start: 0, end: endRecord + END_BYTES + Math.min(declared, present) };
  if (declared > present) framing.commentLength = { at: endRecord + 20, value: present };

  const dir = await directoryClaim(readAt, tail, at, endRecord);
  // No claim to check (a zip64 record where Python does not look): the reader follows the locator.
  if (dir === undefined) return framing;
  const prefix = dir.mustEnd - dir.size - dir.offset;
  if (prefix < 0) {
    throw notZip(`its end record places a ${dir.size}-byte central directory at byte ${dir.offset}, which runs past the end record`);
  }
  if (prefix > 0) {
    const isCentral = async (pos: number) => {
      const sig = await readAt(pos, 4);
      return sig.length === 4 && sig.readUInt32LE(0) === CENTRAL_SIGNATURE;
    };
    const fromFileStart = await isCentral(dir.offset);
    const fromArchiveStart = await isCentral(dir.offset + prefix);
    if (fromFileStart && fromArchiveStart) {
      throw ambiguous(
        `its central directory reads both at byte ${dir.offset} (offsets from the file's start) and at byte ${dir.offset + prefix} (offsets from an archive after a ${prefix}-byte prefix), and ZIP readers differ on which one counts`,
      );
    }
    if (fromFileStart) throw notZip(`${prefix} stray bytes lie between its central directory and its end record`);
    // Neither: the directory is damaged, and reading it from byte 0 reports where.
    if (fromArchiveStart) framing.start = prefix;
  }
  if (dir.zip64Locator !== undefined && framing.start + dir.zip64Locator !== dir.mustEnd) {
    throw notZip(`its zip64 locator points at byte ${framing.start + dir.zip64Locator}, not at the zip64 end record at byte ${dir.mustEnd}`);
  }
  return framing;
}

/** Python's choice: the last 22 bytes when they are an end record without comment, else the last signature. */
function pythonEndRecord(tail: Buffer): number | undefined {
  const last = tail.length - END_BYTES;
  if (last >= 0 && tail.readUInt32LE(last) === END_SIGNATURE && tail.readUInt16LE(last + 20) === 0) return last;
  const at = tail.lastIndexOf(signatureBytes(END_SIGNATURE));
  return at >= 0 ? at : undefined;
}

/** Go's (and Info-ZIP's) choice: the last signature whose comment fits in the file. */
function fittingEndRecord(tail: Buffer): number | undefined {
  for (let i = tail.length - END_BYTES; i >= 0; i--) {
    if (tail.readUInt32LE(i) === END_SIGNATURE && i + END_BYTES + tail.readUInt16LE(i + 20) <= tail.length) return i;
  }
  return undefined;
}

interface DirectoryClaim {
  size: number;
  offset: number;
  /** Where the directory must end: the end record, or the zip64 end record before it. */
  mustEnd: number;
  /** The zip64 locator's offset of the zip64 end record, when there is one. */
  zip64Locator?: number;
}

/** The central directory's size and offset as the end record (or the zip64 record Python reads) gives them. */
async function directoryClaim(readAt: ReadAt, tail: Buffer, at: number, endRecord: number): Promise<DirectoryClaim | undefined> {
  const locatorAt = endRecord - ZIP64_LOCATOR_BYTES;
  const locator = locatorAt >= 0 ? await readAt(locatorAt, ZIP64_LOCATOR_BYTES) : Buffer.alloc(0);
  if (locator.length < ZIP64_LOCATOR_BYTES || locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIGNATURE) {
    return { size: tail.readUInt32LE(at + 12), offset: tail.readUInt32LE(at + 16), mustEnd: endRecord };
  }
  // Python reads the zip64 end record right before the locator; yauzl where the locator points.
  const recordAt = locatorAt - ZIP64_END_BYTES;
  const record = recordAt >= 0 ? await readAt(recordAt, ZIP64_END_BYTES) : Buffer.alloc(0);
  if (record.length < ZIP64_END_BYTES || record.readUInt32LE(0) !== ZIP64_END_SIGNATURE) return undefined;
  const [size, offset, pointer] = [record.readBigUInt64LE(40), record.readBigUInt64LE(48), locator.readBigUInt64LE(8)].map(Number);
  if (![size, offset, pointer].every((n) => Number.isSafeInteger(n))) return undefined;
  return { size: size!, offset: offset!, mustEnd: recordAt, zip64Locator: pointer! };
}

function signatureBytes(signature: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(signature, 0);
  return b;
}

function notZip(why: string): DomainError {
  return new DomainError(`package is not a valid ZIP archive (${why})`, "invalid-argument");
}

function ambiguous(why: string): DomainError {
  return new DomainError(`package is ambiguous: ${why}; repack it with one archive and nothing around it`, "invalid-argument");
}
