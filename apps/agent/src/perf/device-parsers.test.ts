import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDiskstats, parseNetDev, parsePressure } from "./device-parsers";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "testdata", name), "utf8");

describe("parseDiskstats", () => {
  it("reads counters from a captured /proc/diskstats (512-byte sectors, ms busy), old 14-field lines too", () => {
    const disks = parseDiskstats(fixture("proc-diskstats.txt"));
    expect(disks.map((d) => d.device)).toEqual(["vda", "zram0", "loop0", "nvme0n1", "nvme0n1p1"]);
    expect(disks.find((d) => d.device === "nvme0n1")).toEqual({ device: "nvme0n1", reads: 100, readBytes: 2048 * 512, writes: 50, writtenBytes: 4096 * 512, ioMs: 40 });
    expect(disks.find((d) => d.device === "nvme0n1p1")?.ioMs).toBe(38);
  });

  it("reads this machine's", () => {
    const live = parseDiskstats(readFileSync("/proc/diskstats", "utf8"));
    expect(live.length).toBeGreaterThan(0);
    for (const d of live) expect(Number.isFinite(d.readBytes) && d.readBytes >= 0).toBe(true);
  });
});

describe("parseNetDev", () => {
  it("reads each interface's counters, skipping the two header lines", () => {
    const nets = parseNetDev(fixture("proc-net-dev.txt"));
    expect(nets.map((n) => n.device)).toContain("lo");
    const eth0 = nets.find((n) => n.device === "eth0")!;
    expect(eth0).toMatchObject({ receiveBytes: 471630343, receivePackets: 14974, transmitBytes: 1080455, transmitPackets: 11386 });
    expect(parseNetDev("  eth1:123 4 0 0 0 0 0 0 567 8 0 0 0 0 0 0\n")[0]).toMatchObject({ device: "eth1", receiveBytes: 123, transmitBytes: 567 });
  });

  it("reads this machine's, loopback included", () => {
    expect(parseNetDev(readFileSync("/proc/net/dev", "utf8")).map((n) => n.device)).toContain("lo");
  });
});

describe("parsePressure", () => {
  it("reads some and full, µs totals", () => {
    const io = parsePressure(fixture("proc-pressure-io.txt"))!;
    expect(io.some.totalUs).toBeGreaterThan(0);
    expect(io.full).toBeDefined();
  });

  it("has no full line for cpu on older kernels, and nothing for text that is not PSI", () => {
    expect(parsePressure(fixture("proc-pressure-cpu-old-kernel.txt"))).toEqual({ some: { avg10: 1.5, avg60: 0.75, avg300: 0.1, totalUs: 123456 } });
    expect(parsePressure("")).toBeUndefined();
  });
});
