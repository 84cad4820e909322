import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { PerfPointSchema, PerfSampleSchema } from "@sysward/proto";
import { describe, expect, it } from "vitest";
import { mountPoints, pointFromHistory, pointFromSample, serviceNames } from "./perf-points";

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
      devices: { disk: null, net: null, pressure: null, filesystems: {} },
    });
  });

  it("maps the host's devices the same way from a live sample and from a history point", () => {
    const sample = create(PerfSampleSchema, {
      time: timestampFromMs(5_000),
      disks: [{ device: "sda", readBytesPerSecond: 100, writtenBytesPerSecond: 50 }],
      networks: [{ device: "lo", loopback: true, receiveBytesPerSecond: 9 }, { device: "eth0", receiveBytesPerSecond: 30, transmitBytesPerSecond: 3 }],
      pressure: { io: { some: { avg10Percent: 2 } } },
      filesystems: [{ mountPoint: "/", sizeBytes: 1000n, usedBytes: 250n }],
      services: [{ name: "db", cpuPercent: 1, rssBytes: 7n, ioReadBytesPerSecond: 10, ioWrittenBytesPerSecond: 5 }],
    });
    const devices = { disk: { read: 100, write: 50 }, net: { rx: 30, tx: 3 }, pressure: { io: 2 }, filesystems: { "/": { used: 250, size: 1000 } } };
    const live = pointFromSample(sample)!;
    expect(live.devices).toEqual(devices);
    expect(live.services.db).toEqual({ cpu: 1, rss: 7, io: 15 });
    const point = create(PerfPointSchema, {
      time: timestampFromMs(5_000),
      diskReadBytesPerSecond: 100,
      diskWrittenBytesPerSecond: 50,
      networkReceiveBytesPerSecond: 30,
      networkTransmitBytesPerSecond: 3,
      pressureIoPercent: 2,
      filesystems: [{ mountPoint: "/", usedBytes: 250n, sizeBytes: 1000n }],
    });
    expect(pointFromHistory(point, null)!.devices).toEqual(devices);
    expect(mountPoints([live])).toEqual(["/"]);
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
