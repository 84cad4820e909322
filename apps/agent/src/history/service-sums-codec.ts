// Pure: the per-service sums of one history row, packed into a BLOB beside the row's other
// columns — 4 doubles per service: [service id, n, cpu sum, rss sum], in the host's byte order
// (the file never leaves the machine that wrote it).
//
// Why not a (t, service) table: a 7-day query over one row per service-minute has to GROUP BY
// an expression SQLite cannot take from an index, and the sort behind it cost ~40 ms for 10
// services and ~240 ms for 50. Packed, a query reads one row per bucket whatever the number of
// services and folds them in one ordered pass (see perf-history.ts).
import type { ServiceSums } from "./bucket-accumulator";

const ENTRY_BYTES = 32;

export function encodeServiceSums(sums: ReadonlyMap<number, ServiceSums>): Buffer {
  const f = new Float64Array(sums.size * 4);
  let o = 0;
  for (const [id, s] of sums) {
    f[o++] = id;
    f[o++] = s.n;
    f[o++] = s.cpuSum;
    f[o++] = s.rssSum;
  }
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}

// Blobs arrive at any byte offset; copying into this aligned scratch array and indexing it is
// ~7x faster than reading each field with a DataView or Buffer.readDouble*.
let scratch = new Float64Array(256);
let scratchBytes = new Uint8Array(scratch.buffer);

/** Adds the packed sums into `into` (keyed by service id). */
export function addServiceSums(into: Map<number, ServiceSums>, packed: Uint8Array | null): void {
  if (!packed || packed.length === 0) return;
  if (packed.length % ENTRY_BYTES !== 0) {
    throw new Error(`service sums blob of ${packed.length} bytes is not a multiple of ${ENTRY_BYTES}`);
  }
  if (packed.length > scratchBytes.length) {
    scratch = new Float64Array(packed.length / 4);
    scratchBytes = new Uint8Array(scratch.buffer);
  }
  scratchBytes.set(packed);
  const f = scratch;
  for (let o = 0, end = packed.length / 8; o < end; o += 4) {
    const id = f[o]!;
    const n = f[o + 1]!;
    const cpuSum = f[o + 2]!;
    const rssSum = f[o + 3]!;
    const s = into.get(id);
    if (s) {
      s.n += n;
      s.cpuSum += cpuSum;
      s.rssSum += rssSum;
    } else {
      into.set(id, { n, cpuSum, rssSum });
    }
  }
}
