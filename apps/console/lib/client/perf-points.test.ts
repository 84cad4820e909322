import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { PerfPointSchema, PerfSampleSchema } from "@sysward/proto";
import { describe, expect, it } from "vitest";
import { pointFromHistory, pointFromSample, serviceNames } from "./perf-points";

describe("perf points", () => {
  it("maps a live sample, converting uint64 bytes to numbers", () => {
    const sample = create(PerfSampleSchema, {
      time: timestampFromMs(1_700_000_000_000),
      cpu: { busyPercent: 12.5 },
      memory: { usedPercent: 40, usedBytes: 4n * 1024n ** 3n, totalBytes: 10n * 1024n ** 3n },
      services: [{ name: "web", cpuPercent: 150, rssBytes: 1024n }],
    });
    expect(pointFromSample(sample)).toEqual({
      t: 1_700_000_000_000,
      cpu: 12.5,
      cpuMax: 12.5,
      memPercent: 40,
      memMaxPercent: 40,
      memBytes: 4 * 1024 ** 3,
      memTotalBytes: 10 * 1024 ** 3,
      services: { web: { cpu: 150, rss: 1024 } },
    });
  });

  it("maps a history point with its maxima", () => {
    const point = create(PerfPointSchema, {
      time: timestampFromMs(1_000),
      cpuBusyPercent: 10,
      cpuBusyMaxPercent: 80,
      memoryUsedPercent: 30,
      memoryUsedMaxPercent: 35,
      memoryUsedBytes: 300n,
      services: [{ name: "db", cpuPercent: 5, rssBytes: 7n }],
    });
    expect(pointFromHistory(point, 1000)).toMatchObject({ t: 1_000, cpu: 10, cpuMax: 80, memMaxPercent: 35, memBytes: 300, memTotalBytes: 1000 });
  });

  it("skips points without a time, and lists every service seen", () => {
    expect(pointFromSample(create(PerfSampleSchema, {}))).toBeNull();
    const a = pointFromSample(create(PerfSampleSchema, { time: timestampFromMs(1), services: [{ name: "web" }] }));
    const b = pointFromSample(create(PerfSampleSchema, { time: timestampFromMs(2), services: [{ name: "api" }, { name: "web" }] }));
    expect(serviceNames([a!, b!])).toEqual(["api", "web"]);
  });
});
