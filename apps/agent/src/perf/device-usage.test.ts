import { describe, expect, it } from "vitest";
import type { DeviceReading } from "./device-reading";
import { deviceUsage } from "./device-usage";

const disk = (readBytes: number, writtenBytes: number, ioMs: number) => ({ device: "vda", reads: 0, writes: 0, readBytes, writtenBytes, ioMs });
const net = (receiveBytes: number, transmitBytes: number) => ({
  device: "eth0",
  loopback: false,
  virtual: false,
  receiveBytes,
  transmitBytes,
  receivePackets: 0,
  transmitPackets: 0,
  receiveErrors: 0,
  transmitErrors: 0,
  receiveDrops: 0,
  transmitDrops: 0,
});
const reading = (d: ReturnType<typeof disk>, n: ReturnType<typeof net>): DeviceReading => ({ filesystems: [], disks: [d], networks: [n] });

describe("deviceUsage", () => {
  it("gives totals from the newer reading and rates over the real gap", () => {
    const u = deviceUsage(reading(disk(1000, 0, 100), net(0, 0)), reading(disk(3000, 4000, 600), net(500, 250)), 2000);
    expect(u.disks![0]).toMatchObject({ readBytesTotal: 3000n, readBytesPerSecond: 1000, writtenBytesPerSecond: 2000, busyPercent: 25, ioTimeSecondsTotal: 0.6 });
    expect(u.networks![0]).toMatchObject({ receiveBytesPerSecond: 250, transmitBytesPerSecond: 125 });
    expect(u.pressure).toBeUndefined();
  });

  it("never gives a negative rate when a counter went back (a device re-created), nor more than 100 % busy", () => {
    const u = deviceUsage(reading(disk(5000, 0, 100), net(900, 0)), reading(disk(10, 0, 5000), net(10, 0)), 1000);
    expect(u.disks![0]!.readBytesPerSecond).toBe(0);
    expect(u.disks![0]!.busyPercent).toBe(100);
    expect(u.networks![0]!.receiveBytesPerSecond).toBe(0);
  });

  it("a device new in the newer reading has totals and no rate yet", () => {
    const u = deviceUsage({ filesystems: [], disks: [], networks: [] }, reading(disk(7, 8, 9), net(1, 2)), 1000);
    expect(u.disks![0]).toMatchObject({ readBytesTotal: 7n, readBytesPerSecond: 0 });
  });
});
