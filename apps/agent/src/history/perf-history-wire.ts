// Pure: a PerfHistoryResponse in protobuf binary, written by hand, handed to connect-es
// pre-encoded. protobuf-es's reflective toBinary allocates a Uint8Array and a DataView per
// double and a chunk per nested message: ~25–35 ms for a 7-day answer with 10 services (6 700
// messages), 4–5x the SQLite query behind it and most of the RPC's time (bench/FINDINGS.md).
// This writes the same bytes (field order, proto3 defaults skipped, minimal varints: the test
// compares it with toBinary byte for byte) into one buffer in one pass, ~20x faster.
//
// Connect serialises with toBinary, which writes a message's unknown fields verbatim: the
// answer travels as a message whose every field is an "unknown" field holding its bytes. Such
// a message is right for the binary codecs only (toJson skips unknown fields): the caller
// decides, see rpc/response-codec.ts.
import { create } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { WireType } from "@bufbuild/protobuf/wire";
import { PerfHistoryResponseSchema, type FilesystemPoint, type PerfHistoryResponse, type PerfPoint, type ServicePerf } from "@sysward/proto";

/**
 * Field numbers of each message this file writes by hand, and those a history point never has
 * (always unset, so not written). A test holds them against the schemas: a field added to one
 * of these messages fails it until it is written here or said to be absent from history.
 */
export const HAND_WRITTEN_FIELDS = {
  PerfHistoryResponse: { written: [1, 2, 3], absent: [] },
  PerfPoint: { written: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], absent: [] },
  FilesystemPoint: { written: [1, 2, 3], absent: [] },
  // Cgroup-only figures (memory, I/O) are not kept in history.
  ServicePerf: { written: [1, 2, 3, 4, 5], absent: [6, 7, 8, 9, 10, 11] },
  Timestamp: { written: [1, 2], absent: [] },
} as const;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** PerfHistoryResponse → protobuf binary, exactly as toBinary(PerfHistoryResponseSchema, res) writes it. */
export function encodePerfHistoryResponse(res: PerfHistoryResponse): Uint8Array {
  const w = new Writer();
  writeResponse(w, res);
  return w.finish();
}

/**
 * The same answer as a message connect-es serialises to exactly those bytes with toBinary
 * (its fields are empty; their bytes ride in $unknown). Only for binary codecs.
 */
export function preEncodedPerfHistoryResponse(res: PerfHistoryResponse): PerfHistoryResponse {
  const w = new Writer();
  // Each field as toBinary would write it, minus its tag (toBinary writes that): [no, type, start, end].
  const fields: [number, WireType, number, number][] = [];
  let start = w.pos;
  if (res.stepSeconds !== 0) {
    w.varint32(res.stepSeconds);
    fields.push([1, WireType.Varint, start, w.pos]);
  }
  for (const p of res.points) {
    start = w.pos;
    w.lengthDelimited(pointSize(p), () => writePoint(w, p));
    fields.push([2, WireType.LengthDelimited, start, w.pos]);
  }
  if (res.resolution !== "") {
    start = w.pos;
    w.string(res.resolution);
    fields.push([3, WireType.LengthDelimited, start, w.pos]);
  }
  const buf = w.finish();
  const msg = create(PerfHistoryResponseSchema);
  msg.$unknown = fields.map(([no, wireType, from, to]) => ({ no, wireType, data: buf.subarray(from, to) }));
  return msg;
}

function writeResponse(w: Writer, res: PerfHistoryResponse): void {
  if (res.stepSeconds !== 0) w.tag(1, WireType.Varint).varint32(res.stepSeconds);
  for (const p of res.points) {
    w.tag(2, WireType.LengthDelimited);
    w.lengthDelimited(pointSize(p), () => writePoint(w, p));
  }
  if (res.resolution !== "") w.tag(3, WireType.LengthDelimited).string(res.resolution);
}

function writePoint(w: Writer, p: PerfPoint): void {
  if (p.time) {
    const t = p.time;
    w.tag(1, WireType.LengthDelimited);
    w.lengthDelimited(timestampSize(t), () => writeTimestamp(w, t));
  }
  w.doubleField(2, p.cpuBusyPercent);
  w.doubleField(3, p.cpuBusyMaxPercent);
  w.doubleField(4, p.memoryUsedPercent);
  w.doubleField(5, p.memoryUsedMaxPercent);
  if (p.memoryUsedBytes !== 0n) w.tag(6, WireType.Varint).uint64(p.memoryUsedBytes);
  w.doubleField(7, p.loadOne);
  for (const s of p.services) {
    w.tag(8, WireType.LengthDelimited);
    w.lengthDelimited(serviceSize(s), () => writeService(w, s));
  }
  w.optionalDoubleField(9, p.diskReadBytesPerSecond);
  w.optionalDoubleField(10, p.diskWrittenBytesPerSecond);
  w.optionalDoubleField(11, p.networkReceiveBytesPerSecond);
  w.optionalDoubleField(12, p.networkTransmitBytesPerSecond);
  w.optionalDoubleField(13, p.pressureCpuPercent);
  w.optionalDoubleField(14, p.pressureMemoryPercent);
  w.optionalDoubleField(15, p.pressureIoPercent);
  for (const f of p.filesystems) {
    w.tag(16, WireType.LengthDelimited);
    w.lengthDelimited(filesystemSize(f), () => writeFilesystem(w, f));
  }
}

function writeFilesystem(w: Writer, f: FilesystemPoint): void {
  if (f.mountPoint !== "") w.tag(1, WireType.LengthDelimited).string(f.mountPoint);
  if (f.usedBytes !== 0n) w.tag(2, WireType.Varint).uint64(f.usedBytes);
  if (f.sizeBytes !== 0n) w.tag(3, WireType.Varint).uint64(f.sizeBytes);
}

function writeService(w: Writer, s: ServicePerf): void {
  if (s.name !== "") w.tag(1, WireType.LengthDelimited).string(s.name);
  w.doubleField(2, s.cpuPercent);
  if (s.rssBytes !== 0n) w.tag(3, WireType.Varint).uint64(s.rssBytes);
  if (s.processCount !== 0) w.tag(4, WireType.Varint).varint32(s.processCount);
  if (s.accounting !== 0) w.tag(5, WireType.Varint).int32(s.accounting);
}

function writeTimestamp(w: Writer, t: Timestamp): void {
  if (t.seconds !== 0n) w.tag(1, WireType.Varint).int64(t.seconds);
  if (t.nanos !== 0) w.tag(2, WireType.Varint).int32(t.nanos);
}

// Sizes (bytes after the length prefix) of the nested messages, for their length prefixes.

function pointSize(p: PerfPoint): number {
  let n = 0;
  if (p.time) n += 1 + lengthPrefixed(timestampSize(p.time));
  for (const d of [p.cpuBusyPercent, p.cpuBusyMaxPercent, p.memoryUsedPercent, p.memoryUsedMaxPercent, p.loadOne]) {
    if (!isZero(d)) n += 9;
  }
  if (p.memoryUsedBytes !== 0n) n += 1 + uint64Size(p.memoryUsedBytes);
  for (const s of p.services) n += 1 + lengthPrefixed(serviceSize(s));
  for (const d of [p.diskReadBytesPerSecond, p.diskWrittenBytesPerSecond, p.networkReceiveBytesPerSecond, p.networkTransmitBytesPerSecond, p.pressureCpuPercent, p.pressureMemoryPercent, p.pressureIoPercent]) {
    if (d !== undefined) n += 9;
  }
  for (const f of p.filesystems) n += 2 + lengthPrefixed(filesystemSize(f));
  return n;
}

function filesystemSize(f: FilesystemPoint): number {
  let n = 0;
  if (f.mountPoint !== "") n += 1 + lengthPrefixed(utf8Length(f.mountPoint));
  if (f.usedBytes !== 0n) n += 1 + uint64Size(f.usedBytes);
  if (f.sizeBytes !== 0n) n += 1 + uint64Size(f.sizeBytes);
  return n;
}

function serviceSize(s: ServicePerf): number {
  let n = 0;
  if (s.name !== "") n += 1 + lengthPrefixed(utf8Length(s.name));
  if (!isZero(s.cpuPercent)) n += 9;
  if (s.rssBytes !== 0n) n += 1 + uint64Size(s.rssBytes);
  if (s.processCount !== 0) n += 1 + varint32Size(s.processCount);
  if (s.accounting !== 0) n += 1 + varint32Size(s.accounting);
  return n;
}

function timestampSize(t: Timestamp): number {
  let n = 0;
  if (t.seconds !== 0n) n += 1 + uint64Size(t.seconds);
  if (t.nanos !== 0) n += 1 + (t.nanos < 0 ? 10 : varint32Size(t.nanos));
  return n;
}

// protobuf-es writes -0 (it is not the default value 0): Object.is tells them apart.
const isZero = (d: number) => Object.is(d, 0);

const lengthPrefixed = (size: number) => varint32Size(size) + size;

function varint32Size(v: number): number {
  let n = 1;
  for (v >>>= 0; v > 0x7f; v >>>= 7) n++;
  return n;
}

function uint64Size(v: bigint): number {
  let n = 1;
  if (v >= 0n && v <= MAX_SAFE) {
    for (let x = Number(v); x > 0x7f; x = Math.floor(x / 128)) n++;
    return n;
  }
  for (let x = BigInt.asUintN(64, v); x > 0x7fn; x >>= 7n) n++;
  return n;
}

// Service names repeat in every point: their UTF-8 bytes are worked out once.
const utf8Cache = new Map<string, Uint8Array>();
function utf8(s: string): Uint8Array {
  let b = utf8Cache.get(s);
  if (!b) {
    b = Buffer.from(s, "utf8");
    if (utf8Cache.size >= 1024) utf8Cache.clear();
    utf8Cache.set(s, b);
  }
  return b;
}
const utf8Length = (s: string) => utf8(s).length;

/** Append-only protobuf writer over one growing buffer. */
class Writer {
  #buf = new Uint8Array(64 * 1024);
  #view = new DataView(this.#buf.buffer);
  pos = 0;

  #room(n: number): void {
    if (this.pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  tag(no: number, wireType: WireType): this {
    return this.varint32((no << 3) | wireType);
  }

  varint32(v: number): this {
    this.#room(5);
    for (v >>>= 0; v > 0x7f; v >>>= 7) this.#buf[this.pos++] = (v & 0x7f) | 0x80;
    this.#buf[this.pos++] = v;
    return this;
  }

  /** int32 as protobuf writes it: negative numbers sign-extended to 10 bytes. */
  int32(v: number): this {
    return v >= 0 ? this.varint32(v) : this.uint64(BigInt.asUintN(64, BigInt(v)));
  }

  int64(v: bigint): this {
    return this.uint64(BigInt.asUintN(64, v));
  }

  uint64(v: bigint): this {
    this.#room(10);
    if (v >= 0n && v <= MAX_SAFE) {
      // Exact in a double: divide instead of shifting (>>> works on 32 bits only).
      let n = Number(v);
      for (; n > 0x7f; n = Math.floor(n / 128)) this.#buf[this.pos++] = (n % 128) | 0x80;
      this.#buf[this.pos++] = n;
      return this;
    }
    let x = BigInt.asUintN(64, v);
    for (; x > 0x7fn; x >>= 7n) this.#buf[this.pos++] = Number(x & 0x7fn) | 0x80;
    this.#buf[this.pos++] = Number(x);
    return this;
  }

  /** A double field, skipped when 0 (proto3 default), as toBinary does. */
  doubleField(no: number, v: number): void {
    if (!isZero(v)) this.optionalDoubleField(no, v);
  }

  /** A proto3 optional double: written when set, 0 included, as toBinary does. */
  optionalDoubleField(no: number, v: number | undefined): void {
    if (v === undefined) return;
    this.tag(no, WireType.Bit64);
    this.#room(8);
    this.#view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  string(s: string): this {
    const b = utf8(s);
    this.varint32(b.length);
    this.#room(b.length);
    this.#buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Length prefix, then the body; the body must write exactly `size` bytes. */
  lengthDelimited(size: number, body: () => void): void {
    this.varint32(size);
    this.#room(size);
    const end = this.pos + size;
    body();
    if (this.pos !== end) throw new Error(`protobuf writer: message size ${size} computed, ${size + this.pos - end} written`);
  }

  finish(): Uint8Array {
    return this.#buf.subarray(0, this.pos);
  }
}
