// Seeds an agent's history file with 7 days of points before the agent starts, through the
// agent's own PerfHistory class (so the rows are exactly what a week-old agent would have):
// one sample a minute for 7 days and one a second for the last hour, each with `services` and a
// small server's devices (2 disks, 2 interfaces, 3 filesystems, pressure).
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { PerfSampleSchema } from "@sysward/proto";
import { PerfHistory } from "../../apps/agent/src/history/perf-history";

export interface SeedResult {
  minuteSamples: number;
  secondSamples: number;
  rows: Record<string, number>;
}

export function seedHistory(file: string, serviceNames: readonly string[], nowMs = Date.now()): SeedResult {
  const history = PerfHistory.open(file, { flushEveryMs: Number.MAX_SAFE_INTEGER, now: () => nowMs });
  const sample = (ms: number, i: number) =>
    create(PerfSampleSchema, {
      time: timestampFromMs(ms),
      intervalMs: 1000,
      cpu: { busyPercent: 10 + 8 * Math.sin(i / 50) },
      memory: { usedPercent: 40 + 5 * Math.cos(i / 300), usedBytes: BigInt(8e9 + (i % 1000) * 1e6) },
      load: { one: 0.5 + (i % 7) / 10 },
      services: serviceNames.map((name, k) => ({ name, cpuPercent: (k + (i % 5)) / 10, rssBytes: BigInt((20 + k) * 1024 * 1024), processCount: 1 })),
      disks: ["sda", "nvme0n1"].map((device, k) => ({ device, readBytesPerSecond: 1e5 * (k + 1) + (i % 13) * 1e3, writtenBytesPerSecond: 5e4 + (i % 7) * 1e3, busyPercent: 2 + (i % 5) })),
      networks: [
        { device: "lo", loopback: true, receiveBytesPerSecond: 1e4, transmitBytesPerSecond: 1e4 },
        { device: "eth0", receiveBytesPerSecond: 2e5 + (i % 11) * 1e3, transmitBytesPerSecond: 8e4 + (i % 3) * 1e3 },
      ],
      filesystems: ["/", "/var", "/home"].map((mountPoint, k) => ({ mountPoint, device: `/dev/sda${k + 1}`, fsType: "ext4", sizeBytes: 100n << 30n, usedBytes: BigInt((30 + k * 10) * 2 ** 30 + (i % 100) * 2 ** 20) })),
      pressure: { cpu: { some: { avg10Percent: 1 + (i % 4) } }, memory: { some: { avg10Percent: 0 } }, io: { some: { avg10Percent: 0.5 } } },
    });
  let minuteSamples = 0;
  let secondSamples = 0;
  try {
    const hourAgo = nowMs - 3600_000;
    for (let t = nowMs - 7 * 86400_000 + 60_000, i = 0; t < hourAgo; t += 60_000, i++) {
      history.record(sample(t, i));
      minuteSamples++;
    }
    for (let t = hourAgo, i = 0; t < nowMs; t += 1000, i++) {
      history.record(sample(t, i));
      secondSamples++;
    }
    history.flush();
    return { minuteSamples, secondSamples, rows: history.rowCounts() };
  } finally {
    history.close();
  }
}
