// WatchPerf answers that share one encoding of each sample. Every watcher is sent the same
// sample; serialised per stream, 100 watchers made protobuf-es encode it 100 times a second,
// and that garbage grew V8's young generation: much of the agent's +40 MB RSS (bench). The
// sample is encoded once (cached per sample object: samples are shared and never change) and
// each answer carries those bytes as a pre-encoded field, which toBinary writes verbatim.
// For binary codecs only (toJson skips such fields): the caller decides, see rpc/response-codec.ts.
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { create, toBinary } from "@bufbuild/protobuf";
import { PerfSampleSchema, WatchPerfResponseSchema, type PerfSample, type WatchPerfResponse } from "@sysward/proto";

const sampleBytes = new WeakMap<PerfSample, Uint8Array>();

/** The sample as field 1 of WatchPerfResponse, minus the tag: length prefix + message bytes. */
function sampleField(sample: PerfSample): Uint8Array {
  let bytes = sampleBytes.get(sample);
  if (!bytes) {
    bytes = new BinaryWriter().bytes(toBinary(PerfSampleSchema, sample)).finish();
    sampleBytes.set(sample, bytes);
  }
  return bytes;
}

/** WatchPerfResponse{sample, dropped} whose toBinary is the same bytes, the sample encoded once. */
export function preEncodedWatchPerfResponse(sample: PerfSample, dropped: number): WatchPerfResponse {
  const msg = create(WatchPerfResponseSchema);
  // In field order, as toBinary would write the fields themselves.
  const unknown = [{ no: 1, wireType: WireType.LengthDelimited, data: sampleField(sample) }];
  if (dropped !== 0) unknown.push({ no: 2, wireType: WireType.Varint, data: new BinaryWriter().uint64(dropped).finish() });
  msg.$unknown = unknown;
  return msg;
}
