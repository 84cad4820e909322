import { describe, expect, it } from "vitest";
import { countProcs, parseCounter, parseCpuUsageUsec, parseIoBytes, parseResidentBytes } from "./cgroup-parsers";

// As a 6.1 kernel writes them (a systemd unit's cgroup in a lab machine).
const CPU_STAT = "usage_usec 1843210\nuser_usec 1500000\nsystem_usec 343210\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n";
const MEMORY_STAT = "anon 10485760\nfile 4194304\nkernel 524288\nkernel_stack 65536\nfile_mapped 2097152\nfile_dirty 0\nshmem 0\n";
const IO_STAT = "8:0 rbytes=1048576 wbytes=4096 rios=12 wios=1 dbytes=0 dios=0\n253:1 rbytes=512 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n";

describe("cgroup v2 accounting files", () => {
  it("reads cpu.stat's usage_usec wherever the line is, and nothing from a file without it", () => {
    expect(parseCpuUsageUsec(CPU_STAT)).toBe(1843210);
    expect(parseCpuUsageUsec("user_usec 5\nusage_usec 7\n")).toBe(7);
    // A key that only ends like the one asked for is another key.
    expect(parseCpuUsageUsec("xusage_usec 9\n")).toBeUndefined();
    expect(parseCpuUsageUsec("")).toBeUndefined();
  });

  it("counts resident memory as anonymous plus mapped file memory, not the page cache", () => {
    expect(parseResidentBytes(MEMORY_STAT)).toBe(10485760 + 2097152);
    expect(parseResidentBytes("anon 1\n")).toBeUndefined();
  });

  it("sums io.stat's bytes over devices; a cgroup that did no I/O yet has an empty file", () => {
    expect(parseIoBytes(IO_STAT)).toEqual({ readBytes: 1048576 + 512, writtenBytes: 4096 + 8192 });
    expect(parseIoBytes("")).toEqual({ readBytes: 0, writtenBytes: 0 });
  });

  it("reads single counters and counts processes", () => {
    expect(parseCounter("123456\n")).toBe(123456);
    expect(parseCounter("max\n")).toBeUndefined();
    expect(parseCounter("")).toBeUndefined();
    expect(countProcs("12\n13\n200\n")).toBe(3);
    expect(countProcs("")).toBe(0);
  });
});
