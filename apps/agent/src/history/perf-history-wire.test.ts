import { create, fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import { timestampFromMs, TimestampSchema } from "@bufbuild/protobuf/wkt";
import { FilesystemPointSchema, PerfHistoryResponseSchema, PerfPointSchema, PerfSampleSchema, ServicePerfSchema, type PerfHistoryResponse } from "@sysward/proto";
import fc from "fast-check";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PerfHistory } from "./perf-history";
import { encodePerfHistoryResponse, HAND_WRITTEN_FIELDS, preEncodedPerfHistoryResponse } from "./perf-history-wire";

const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const double = fc.oneof(fc.constantFrom(0, -0, 1, 0.5, 1e300, -1e-300, Number.NaN, Infinity), fc.double());
const service = fc.record({
  name: fc.oneof(fc.constant(""), fc.string(), fc.string({ unit: "grapheme" })),
  cpuPercent: double,
  rssBytes: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 2n ** 53n }), u64),
  processCount: fc.oneof(fc.constant(0), fc.nat(), fc.integer({ min: 0, max: 2 ** 32 - 1 })),
  accounting: fc.constantFrom(0, 1, 2),
});
const timestamp = fc.record({
  seconds: fc.oneof(fc.constant(0n), fc.bigInt({ min: -62135596800n, max: 253402300799n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
  nanos: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999_999 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
});
const point = fc.record({
  time: fc.option(timestamp, { nil: undefined }),
  cpuBusyPercent: double,
  cpuBusyMaxPercent: double,
  memoryUsedPercent: double,
  memoryUsedMaxPercent: double,
  memoryUsedBytes: u64,
  loadOne: double,
  services: fc.array(service, { maxLength: 4 }),
  diskReadBytesPerSecond: fc.option(double, { nil: undefined }),
  diskWrittenBytesPerSecond: fc.option(double, { nil: undefined }),
  networkReceiveBytesPerSecond: fc.option(double, { nil: undefined }),
  networkTransmitBytesPerSecond: fc.option(double, { nil: undefined }),
  pressureCpuPercent: fc.option(double, { nil: undefined }),
  pressureMemoryPercent: fc.option(double, { nil: undefined }),
  pressureIoPercent: fc.option(double, { nil: undefined }),
  filesystems: fc.array(fc.record({ mountPoint: fc.oneof(fc.constant(""), fc.string()), usedBytes: u64, sizeBytes: u64 }), { maxLength: 3 }),
});
const response = fc.record({
  stepSeconds: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 ** 32 - 1 })),
  resolution: fc.constantFrom("", "1s", "1m", "é"),
  points: fc.array(point, { maxLength: 6 }),
});

function expectSameBytes(res: PerfHistoryResponse) {
  const reference = toBinary(PerfHistoryResponseSchema, res);
  expect(Buffer.from(encodePerfHistoryResponse(res)).equals(Buffer.from(reference))).toBe(true);
  // What connect-es will send for the pre-encoded message: toBinary of it.
  expect(Buffer.from(toBinary(PerfHistoryResponseSchema, preEncodedPerfHistoryResponse(res))).equals(Buffer.from(reference))).toBe(true);
}

describe("PerfHistoryResponse written by hand", () => {
  it("writes every field of every message it encodes, or knows a history point never has it", () => {
    const schemas = { PerfHistoryResponse: PerfHistoryResponseSchema, PerfPoint: PerfPointSchema, FilesystemPoint: FilesystemPointSchema, ServicePerf: ServicePerfSchema, Timestamp: TimestampSchema };
    for (const [name, schema] of Object.entries(schemas)) {
      const known = HAND_WRITTEN_FIELDS[name as keyof typeof schemas];
      expect(schema.fields.map((f) => f.number).sort((a, b) => a - b), `${name}'s fields`).toEqual([...known.written, ...known.absent].sort((a, b) => a - b));
    }
  });

  it("is byte for byte what protobuf-es's toBinary writes, for any response", () => {
    fc.assert(
      fc.property(response, (init) => expectSameBytes(create(PerfHistoryResponseSchema, init))),
      { numRuns: 300 },
    );
  });

  it("is byte for byte toBinary for a real 7-day answer, and decodes to the same message", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "perf-history-wire-"));
    const now = Date.UTC(2025, 0, 10, 12, 0, 0);
    const h = PerfHistory.open(path.join(dir, "perf.db"), { now: () => now, flushEveryMs: Number.MAX_SAFE_INTEGER });
    try {
      for (let t = now - 7 * 86400_000 + 60_000, i = 0; t <= now; t += 60_000 * 7, i++) {
        h.record(
          create(PerfSampleSchema, {
            time: timestampFromMs(t),
            cpu: { busyPercent: (i % 100) + 0.25 },
            memory: { usedPercent: 40, usedBytes: BigInt(8e9 + i) },
            load: { one: i / 7 },
            services: ["api", "wörker", "db"].map((name, k) => ({ name, cpuPercent: k * i, rssBytes: BigInt(k * 1e6 + i), processCount: 1 })),
          }),
        );
      }
      const res = h.query(new Date(now - 7 * 86400_000));
      expect(res.points.length).toBeGreaterThan(600);
      expectSameBytes(res);
      const decoded = fromBinary(PerfHistoryResponseSchema, toBinary(PerfHistoryResponseSchema, preEncodedPerfHistoryResponse(res)));
      expect(toJson(PerfHistoryResponseSchema, decoded)).toEqual(toJson(PerfHistoryResponseSchema, res));
    } finally {
      h.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
