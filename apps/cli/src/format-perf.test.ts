import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { PerfSampleSchema, ServiceAccounting } from "@sysward/proto";
import { describe, expect, it } from "vitest";
import { perfLine, perfReport } from "./format-perf";

const init = {
  time: timestampFromMs(Date.parse("2025-01-02T10:00:01.500Z")),
  intervalMs: 1000,
  cpu: { busyPercent: 12.5, userPercent: 8, systemPercent: 4.5 },
  cores: [{ id: "cpu0" }, { id: "cpu1" }],
  memory: { totalBytes: 4n * 1024n ** 3n, usedBytes: 1024n ** 3n, availableBytes: 3n * 1024n ** 3n, usedPercent: 25, swapTotalBytes: 0n, swapFreeBytes: 0n },
  load: { one: 0.5, five: 0.25, fifteen: 0.125 },
  services: [
    { name: "web", cpuPercent: 150, rssBytes: 2n * 1024n ** 2n, processCount: 3, accounting: ServiceAccounting.PROCESS_TREE },
    { name: "api", cpuPercent: 0.5, rssBytes: 1024n ** 2n, processCount: 1, accounting: ServiceAccounting.CGROUP, memoryBytes: 3n * 1024n ** 2n, ioReadBytesPerSecond: 2048, ioWrittenBytesPerSecond: 0 },
  ],
};
const sample = create(PerfSampleSchema, init);
const devices = create(PerfSampleSchema, {
  ...init,
  filesystems: [{ mountPoint: "/", device: "/dev/sda1", fsType: "ext4", sizeBytes: 100n * 1024n ** 3n, usedBytes: 30n * 1024n ** 3n, availBytes: 60n * 1024n ** 3n }],
  disks: [{ device: "sda", readBytesPerSecond: 1536, writtenBytesPerSecond: 1024 ** 2, busyPercent: 12.5 }],
  networks: [
    { device: "eth0", receiveBytesPerSecond: 4096, transmitBytesPerSecond: 512, receiveErrorsTotal: 1n, transmitDropsTotal: 2n },
    { device: "lo", loopback: true },
  ],
  pressure: { cpu: { some: { avg10Percent: 1.25 } }, io: { some: { avg10Percent: 3.5 }, full: { avg10Percent: 1 } } },
});

describe("perf formatting", () => {
  it("reports CPU, memory, load and each service", () => {
    expect(perfReport("local", sample)).toBe(
      [
        "agent local at 2025-01-02 10:00:01Z (1000 ms interval)",
        "cpu     12.5% busy (user 8.0%, system 4.5%, iowait 0.0%, steal 0.0%) on 2 cores",
        "memory  1.0 GiB of 4.0 GiB used (25.0%), 3.0 GiB available; swap 0 B of 0 B",
        "load    0.50 0.25 0.13",
        "",
        "SERVICE  CPU     RSS      CHARGED  READ/S   WRITE/S  PROCS  FROM",
        "api      0.5%    1.0 MiB  3.0 MiB  2.0 KiB  0 B      1      cgroup",
        "web      150.0%  2.0 MiB  -        -        -        3      tree",
        "",
      ].join("\n"),
    );
  });

  it("reports filesystems (use as df counts it), disks, interfaces and pressure where the sample has them", () => {
    expect(perfReport("local", devices)).toBe(
      [
        "agent local at 2025-01-02 10:00:01Z (1000 ms interval)",
        "cpu     12.5% busy (user 8.0%, system 4.5%, iowait 0.0%, steal 0.0%) on 2 cores",
        "memory  1.0 GiB of 4.0 GiB used (25.0%), 3.0 GiB available; swap 0 B of 0 B",
        "load    0.50 0.25 0.13",
        "pressure cpu 1.3%  io 3.5% (full 1.0%) waiting, last 10 s",
        "",
        "FILESYSTEM  DEVICE     TYPE  SIZE     USED      AVAIL     USE",
        "/           /dev/sda1  ext4  100 GiB  30.0 GiB  60.0 GiB  33.3%",
        "",
        "DISK  READ/S   WRITE/S  BUSY",
        "sda   1.5 KiB  1.0 MiB  12.5%",
        "",
        "INTERFACE      RECEIVE/S  SEND/S  ERRORS  DROPS",
        "eth0           4.0 KiB    512 B   1       2",
        "lo (loopback)  0 B        0 B     0       0",
        "",
        "SERVICE  CPU     RSS      CHARGED  READ/S   WRITE/S  PROCS  FROM",
        "api      0.5%    1.0 MiB  3.0 MiB  2.0 KiB  0 B      1      cgroup",
        "web      150.0%  2.0 MiB  -        -        -        3      tree",
        "",
      ].join("\n"),
    );
  });

  it("fits a sample on one line for --watch", () => {
    expect(perfLine(sample)).toBe("2025-01-02 10:00:01Z  cpu  12.5%  mem  25.0% (1.0 GiB)  load 0.50  api 0.5%/1.0 MiB  web 150.0%/2.0 MiB");
  });

  it("says when there are no services", () => {
    expect(perfReport("local", create(PerfSampleSchema, {}))).toMatch(/cpu {5}-\nmemory {2}-\nload {4}-\nno services\n$/);
  });
});
