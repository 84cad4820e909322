import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { PerfSampleSchema, WatchPerfResponseSchema } from "@sysward/proto";
import { describe, expect, it } from "vitest";
import { preEncodedWatchPerfResponse } from "./watch-perf-wire";

const sample = Object.freeze(
  create(PerfSampleSchema, {
    time: timestampFromMs(Date.UTC(2025, 0, 10, 12, 0, 0, 250)),
    intervalMs: 1000,
    cpu: { busyPercent: 12.5, userPercent: 10, idlePercent: 87.5 },
    cores: [{ id: "cpu0", times: { userPercent: 3 } }, { id: "cpu1", times: { userPercent: 22, systemPercent: 1 } }],
    memory: { usedPercent: 40, usedBytes: 8_000_000_000n, totalBytes: 20_000_000_000n },
    load: { one: 0.5 },
    services: ["api", "wörker"].map((name, k) => ({ name, cpuPercent: k + 0.5, rssBytes: BigInt(k * 1e6 + 7), processCount: 2 })),
  }),
);

describe("WatchPerf answers with the sample encoded once", () => {
  it.each([0, 1, 127, 128, 2 ** 40])("are the bytes toBinary writes for the whole message (dropped %d)", (dropped) => {
    const reference = toBinary(WatchPerfResponseSchema, create(WatchPerfResponseSchema, { sample, dropped: BigInt(dropped) }));
    const bytes = toBinary(WatchPerfResponseSchema, preEncodedWatchPerfResponse(sample, dropped));
    expect(Buffer.from(bytes).equals(Buffer.from(reference))).toBe(true);
  });

  it("shares one encoding of a sample between answers", () => {
    const a = preEncodedWatchPerfResponse(sample, 0).$unknown![0]!.data;
    const b = preEncodedWatchPerfResponse(sample, 3).$unknown![0]!.data;
    expect(b).toBe(a);
  });
});
