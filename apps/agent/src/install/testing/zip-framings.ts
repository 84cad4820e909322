// ZIP bytes framed the ways real-world writers frame them (a stub in front, bytes after the end
// record, a comment length off by one) and the ways that make ZIP readers disagree. Shared by the
// streaming extractor's tests and the Install RPC interoperability tests.
import { buildZip, type ZipEntrySpec } from "./zip-builder";

const END_SIGNATURE = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

/** A shell-script stub like a self-extractor's: it unzips the file it is the start of. */
export const SFX_STUB = Buffer.from('#!/bin/sh\n# self-extracting package: unpacks itself next to itself\nexec unzip -o "$0" -d "${1:-.}"\nexit 0\n');

/** Offset of the (last) end-of-central-directory record. */
export function endRecordOf(zip: Buffer): number {
  return zip.lastIndexOf(END_SIGNATURE);
}

/** `zip` with its end record's comment length field set to `length` (the comment bytes stay). */
export function withCommentLength(zip: Buffer, length: number): Buffer {
  const out = Buffer.from(zip);
  out.writeUInt16LE(length, endRecordOf(out) + 20);
  return out;
}

/** `junk` inserted right before the end record; the directory's offsets are left as they were. */
export function withBytesBeforeEndRecord(zip: Buffer, junk: Buffer): Buffer {
  const at = endRecordOf(zip);
  return Buffer.concat([zip.subarray(0, at), junk, zip.subarray(at)]);
}

/**
 * Two archives back to back whose central directories start at the same offset, each counted
 * from its own start: read with offsets from the file's start it is `first`, read as an archive
 * after a prefix it is `second` (Go's archive/zip takes the first, Python's zipfile the second).
 */
export function sameOffsetPair(first: ZipEntrySpec[], second: ZipEntrySpec[]): Buffer {
  const a = buildZip(first);
  const b = buildZip(second);
  const cdOffset = (z: Buffer) => z.readUInt32LE(endRecordOf(z) + 16);
  if (cdOffset(a) !== cdOffset(b)) throw new Error("sameOffsetPair: the entries' local records differ in length");
  return Buffer.concat([a, b]);
}

/**
 * `outer` with a stored inner archive as its last entry and an end record whose comment length
 * runs past the end of the file: Python reads the outer archive (the last end record, its comment
 * cut short), Go and Info-ZIP the inner one (the last end record whose comment fits).
 */
export function nestedWithCommentCutShort(outer: ZipEntrySpec[], inner: ZipEntrySpec[]): Buffer {
  const zip = buildZip([...outer, { name: "inner.zip", data: buildZip(inner), method: "store" }]);
  return withCommentLength(zip, 10);
}
