import { spawn } from "node:child_process";
import fs from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseChildren, parseLoadavg, parseMeminfo, parsePidStat, parseStat, parseUptime } from "./proc-parsers";

const fixture = (name: string) => fs.readFileSync(new URL(`./testdata/${name}`, import.meta.url), "latin1");

describe("parseStat", () => {
  it("reads the aggregate and per-core lines of a captured /proc/stat", () => {
    const s = parseStat(fixture("proc-stat.txt"));
    expect(s.total).toEqual({ user: 10358, nice: 0, system: 3478, idle: 90498, iowait: 308, irq: 0, softirq: 67, steal: 13 });
    expect(s.cores.map((c) => c.id)).toEqual(["cpu0", "cpu1"]);
    expect(s.cores[1]!.ticks.user).toBe(8477);
  });

  it("leaves out guest time (already inside user) and tolerates old kernels' shorter lines", () => {
    const s = parseStat("cpu  100 1 50 800 9 2 3 4 70 5\ncpu0 10 0 5 80\nintr 1 2 3\nctxt 5\n");
    expect(s.total).toEqual({ user: 100, nice: 1, system: 50, idle: 800, iowait: 9, irq: 2, softirq: 3, steal: 4 });
    expect(s.cores[0]!.ticks).toEqual({ user: 10, nice: 0, system: 5, idle: 80, iowait: 0, irq: 0, softirq: 0, steal: 0 });
  });

  it("fails loudly on text that is not /proc/stat", () => {
    expect(() => parseStat("intr 1\n")).toThrow(/no aggregate 'cpu' line/);
    expect(() => parseStat("cpu 1 x 3\n")).toThrow(/not a number/);
  });

  it("parses the live /proc/stat: one line per online core, ticks that only grow", () => {
    const a = parseStat(fs.readFileSync("/proc/stat", "latin1"));
    expect(a.cores.length).toBeGreaterThan(0);
    const sum = (t: typeof a.total) => Object.values(t).reduce((x, y) => x + y, 0);
    expect(sum(a.total)).toBeGreaterThan(0);
    const b = parseStat(fs.readFileSync("/proc/stat", "latin1"));
    expect(sum(b.total)).toBeGreaterThanOrEqual(sum(a.total));
  });
});

describe("parseMeminfo", () => {
  it("converts the captured kB figures to bytes", () => {
    const m = parseMeminfo(fixture("proc-meminfo.txt"));
    expect(m).toEqual({
      totalBytes: 24684084 * 1024,
      freeBytes: 23438996 * 1024,
      availableBytes: 24297276 * 1024,
      buffersBytes: 30532 * 1024,
      cachedBytes: 981724 * 1024,
      swapTotalBytes: 0,
      swapFreeBytes: 0,
    });
  });

  it("estimates MemAvailable on kernels older than 3.14", () => {
    const m = parseMeminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 300 kB\nSwapTotal: 50 kB\nSwapFree: 40 kB\n");
    expect(m.availableBytes).toBe(420 * 1024);
    expect(m.swapFreeBytes).toBe(40 * 1024);
  });

  it("requires MemTotal", () => {
    expect(() => parseMeminfo("MemFree: 1 kB\n")).toThrow(/MemTotal/);
  });

  it("parses the live /proc/meminfo consistently", () => {
    const m = parseMeminfo(fs.readFileSync("/proc/meminfo", "latin1"));
    expect(m.totalBytes).toBeGreaterThan(0);
    expect(m.freeBytes).toBeLessThanOrEqual(m.totalBytes);
    expect(m.availableBytes).toBeLessThanOrEqual(m.totalBytes);
    expect(m.swapFreeBytes).toBeLessThanOrEqual(m.swapTotalBytes);
  });
});

describe("parseLoadavg and parseUptime", () => {
  it("parse captured text", () => {
    expect(parseLoadavg(fixture("proc-loadavg.txt"))).toEqual({ one: 0.12, five: 0.15, fifteen: 0.09 });
    expect(parseUptime(fixture("proc-uptime.txt"))).toBe(526.65);
  });

  it("parse the live files", () => {
    const l = parseLoadavg(fs.readFileSync("/proc/loadavg", "latin1"));
    expect(l.one).toBeGreaterThanOrEqual(0);
    expect(parseUptime(fs.readFileSync("/proc/uptime", "latin1"))).toBeGreaterThan(0);
  });
});

describe("parsePidStat", () => {
  /** A stat line with `comm` and fields 3.. numbered so that field N holds N (state is field 3). */
  const numbered = (comm: string, state = "S") => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = state;
    return `4242 (${comm}) ${fields.join(" ")}\n`;
  };

  it("reads a captured line", () => {
    const s = parsePidStat(fixture("pid-stat-init.txt"));
    expect(s).toEqual({ pid: 1, state: "S", ppid: 0, pgrp: 0, cpuTicks: 31 + 232, numThreads: 13, startTicks: 24, rssPages: 3721 });
  });

  it("counts fields from the last ')' so a hostile command name cannot shift them", () => {
    const line = "4242 (evil) 1 2 (x) S) R 77 4242 4242 0 -1 4194304 10 0 0 0 150 50 0 0 20 0 3 0 99999 1000 512 18446744073709551615 0 0";
    expect(parsePidStat(line)).toMatchObject({ pid: 4242, state: "R", ppid: 77, pgrp: 4242, cpuTicks: 200, numThreads: 3, startTicks: 99999, rssPages: 512 });
    expect(parsePidStat(numbered("we ird) (name"))).toEqual({ pid: 4242, state: "S", ppid: 4, pgrp: 5, cpuTicks: 14 + 15, numThreads: 20, startTicks: 22, rssPages: 24 });
  });

  it("reads the same fields whatever the command name holds (property)", () => {
    // comm is at most 15 bytes of anything but NUL: spaces, parentheses, newlines, digits.
    const char = fc.constantFrom(..." ()\n\t)x1 R9-:".split(""));
    fc.assert(
      fc.property(fc.string({ unit: char, maxLength: 15 }), fc.constantFrom("R", "S", "Z", "t"), (comm, state) => {
        expect(parsePidStat(numbered(comm, state))).toEqual({ pid: 4242, state, ppid: 4, pgrp: 5, cpuTicks: 29, numThreads: 20, startTicks: 22, rssPages: 24 });
      }),
    );
  });

  it("fails loudly on text that is not a stat line or is cut short", () => {
    expect(() => parsePidStat("")).toThrow(/no '\(comm\)'/);
    expect(() => parsePidStat("12 x) S 1 2")).toThrow(/no '\(comm\)'/);
    expect(() => parsePidStat("12 (sh) S 1 12 12 0")).toThrow(/field \d+: not a number/);
    expect(() => parsePidStat("12 (sh)")).toThrow(/not a number/);
  });

  it("parses the live /proc/self/stat", () => {
    const s = parsePidStat(fs.readFileSync("/proc/self/stat", "latin1"));
    expect(s.pid).toBe(process.pid);
    expect(s.ppid).toBe(process.ppid);
    expect(s.rssPages).toBeGreaterThan(0);
    expect(s.numThreads).toBeGreaterThan(1); // node has its thread pool
  });

  it("reads the process group of live children: their own when detached, ours when not", () => {
    const own = parsePidStat(fs.readFileSync("/proc/self/stat", "latin1")).pgrp;
    const leader = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
    const member = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      expect(parsePidStat(fs.readFileSync(`/proc/${leader.pid}/stat`, "latin1")).pgrp).toBe(leader.pid);
      expect(parsePidStat(fs.readFileSync(`/proc/${member.pid}/stat`, "latin1")).pgrp).toBe(own);
    } finally {
      leader.kill("SIGKILL");
      member.kill("SIGKILL");
    }
  });
});

describe("parseChildren", () => {
  it("reads space-separated pids, including the empty file", () => {
    expect(parseChildren("12 345 6 ")).toEqual([12, 345, 6]);
    expect(parseChildren("")).toEqual([]);
  });
});
