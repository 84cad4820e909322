import { describe, expect, it } from "vitest";
import { deviceTotals, fullestFilesystem } from "./device-totals";

const nic = (device: string, rx: number, o: { loopback?: boolean; virtual?: boolean } = {}) => ({
  device,
  loopback: o.loopback ?? false,
  virtual: o.virtual ?? false,
  receiveBytesPerSecond: rx,
  transmitBytesPerSecond: rx / 10,
});

describe("a host's device totals", () => {
  it("sums disks, and hardware interfaces only (a bridge carries the same bytes again)", () => {
    const t = deviceTotals({
      disks: [{ readBytesPerSecond: 1, writtenBytesPerSecond: 2 }, { readBytesPerSecond: 10, writtenBytesPerSecond: 20 }],
      networks: [nic("lo", 1e6, { loopback: true }), nic("eth0", 100), nic("br0", 100, { virtual: true })],
      filesystems: [],
    });
    expect(t.disk).toEqual({ readBytesPerSecond: 11, writtenBytesPerSecond: 22 });
    expect(t.network).toEqual({ receiveBytesPerSecond: 100, transmitBytesPerSecond: 10 });
    expect(t.pressure).toBeUndefined();
  });

  it("counts virtual interfaces where there is no other (a container), never loopback; nothing when there is none", () => {
    expect(deviceTotals({ disks: [], networks: [nic("lo", 5, { loopback: true }), nic("host0", 7, { virtual: true })], filesystems: [] }).network).toEqual({
      receiveBytesPerSecond: 7,
      transmitBytesPerSecond: 0.7,
    });
    const none = deviceTotals({ disks: [], networks: [nic("lo", 5, { loopback: true })], filesystems: [] });
    expect(none.network).toBeUndefined();
    expect(none.disk).toBeUndefined();
  });

  it("keeps pressure where the kernel has it, per resource, and finds the fullest filesystem", () => {
    const t = deviceTotals({
      disks: [],
      networks: [],
      pressure: { cpu: { some: { avg10Percent: 1.5 } }, io: {} },
      filesystems: [
        { mountPoint: "/", usedBytes: 50n, sizeBytes: 100n },
        { mountPoint: "/data", usedBytes: 90n, sizeBytes: 100n },
        { mountPoint: "/empty", usedBytes: 0n, sizeBytes: 0n },
      ],
    });
    expect(t.pressure).toEqual({ cpuPercent: 1.5 });
    expect(fullestFilesystem(t)).toEqual({ mountPoint: "/data", usedPercent: 90 });
    expect(fullestFilesystem({ filesystems: [] })).toBeUndefined();
  });
});
