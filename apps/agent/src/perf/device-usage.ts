// Pure: two device readings → the sample's filesystems, disks, networks and pressure: totals
// from the newer reading, rates from the difference over the real gap between the two. A counter
// that went backwards (a device re-created, a counter reset) gives a rate of 0, never negative.
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { PerfSampleSchema } from "@sysward/proto";
import type { PressureFile, StallLine } from "./device-parsers";
import type { DeviceReading } from "./device-reading";

type SampleInit = MessageInitShape<typeof PerfSampleSchema>;

export function deviceUsage(prev: DeviceReading, cur: DeviceReading, elapsedMs: number): Pick<SampleInit, "filesystems" | "disks" | "networks" | "pressure"> {
  const seconds = elapsedMs / 1000;
  const rate = (now: number, before: number | undefined) => (before === undefined || now < before || seconds <= 0 ? 0 : (now - before) / seconds);
  const prevDisk = new Map(prev.disks.map((d) => [d.device, d]));
  const prevNet = new Map(prev.networks.map((n) => [n.device, n]));
  return {
    filesystems: cur.filesystems.map((f) => ({
      mountPoint: f.mountPoint,
      device: f.device,
      fsType: f.fsType,
      sizeBytes: BigInt(f.sizeBytes),
      usedBytes: BigInt(f.usedBytes),
      availBytes: BigInt(f.availBytes),
      files: BigInt(f.files),
      filesFree: BigInt(f.filesFree),
    })),
    disks: cur.disks.map((d) => {
      const p = prevDisk.get(d.device);
      return {
        device: d.device,
        readBytesTotal: BigInt(d.readBytes),
        writtenBytesTotal: BigInt(d.writtenBytes),
        readsTotal: BigInt(d.reads),
        writesTotal: BigInt(d.writes),
        ioTimeSecondsTotal: d.ioMs / 1000,
        readBytesPerSecond: rate(d.readBytes, p?.readBytes),
        writtenBytesPerSecond: rate(d.writtenBytes, p?.writtenBytes),
        // ms busy per second elapsed, as a share; more than 100 % cannot be, whatever the clocks say.
        busyPercent: Math.min(100, rate(d.ioMs, p?.ioMs) / 10),
      };
    }),
    networks: cur.networks.map((n) => {
      const p = prevNet.get(n.device);
      return {
        device: n.device,
        loopback: n.loopback,
        virtual: n.virtual,
        receiveBytesTotal: BigInt(n.receiveBytes),
        transmitBytesTotal: BigInt(n.transmitBytes),
        receivePacketsTotal: BigInt(n.receivePackets),
        transmitPacketsTotal: BigInt(n.transmitPackets),
        receiveErrorsTotal: BigInt(n.receiveErrors),
        transmitErrorsTotal: BigInt(n.transmitErrors),
        receiveDropsTotal: BigInt(n.receiveDrops),
        transmitDropsTotal: BigInt(n.transmitDrops),
        receiveBytesPerSecond: rate(n.receiveBytes, p?.receiveBytes),
        transmitBytesPerSecond: rate(n.transmitBytes, p?.transmitBytes),
      };
    }),
    ...(cur.pressure && {
      pressure: { cpu: stall(cur.pressure.cpu), memory: stall(cur.pressure.memory), io: stall(cur.pressure.io) },
    }),
  };
}

function stall(file: PressureFile | undefined) {
  if (!file) return undefined;
  const line = (l: StallLine) => ({ avg10Percent: l.avg10, avg60Percent: l.avg60, avg300Percent: l.avg300, totalSeconds: l.totalUs / 1e6 });
  return { some: line(file.some), ...(file.full && { full: line(file.full) }) };
}
