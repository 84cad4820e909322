import { DomainError } from "../domain-error";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { PerfSampleSchema, type PerfHistoryResponse } from "@sysward/proto";
import Database from "better-sqlite3";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PerfHistory, type PerfHistoryOptions } from "./perf-history";

const T0 = Date.UTC(2025, 0, 10, 12, 0, 0); // a minute boundary
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

interface Fig {
  cpu: number;
  mem?: number;
  services?: Record<string, { cpu: number; rss: number }>;
}

function sample(ms: number, f: Fig, more: Omit<MessageInitShape<typeof PerfSampleSchema>, "$typeName"> = {}) {
  const mem = f.mem ?? 50;
  return create(PerfSampleSchema, {
    ...more,
    time: timestampFromMs(ms),
    intervalMs: 1000,
    cpu: { busyPercent: f.cpu },
    memory: { usedPercent: mem, usedBytes: BigInt(mem * 1_000_000), totalBytes: 100_000_000n },
    load: { one: f.cpu / 100 },
    services: Object.entries(f.services ?? {}).map(([name, s]) => ({ name, cpuPercent: s.cpu, rssBytes: BigInt(s.rss), processCount: 1 })),
  });
}

const seconds = (r: PerfHistoryResponse) => r.points.map((p) => timestampMs(p.time!) / 1000);

describe("PerfHistory", () => {
  let dir: string;
  let now: number;
  const open: PerfHistory[] = [];
  function openHistory(opts: PerfHistoryOptions = {}, file = path.join(dir, "perf.db")) {
    const h = PerfHistory.open(file, { now: () => now, ...opts });
    open.push(h);
    return h;
  }
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "perf-history-"));
    now = T0;
  });
  afterEach(() => {
    for (const h of open.splice(0)) h.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the host's disks, interfaces, pressure and filesystems as series beside the services, averaged per step", () => {
    const h = openHistory({ flushEveryMs: 60_000 });
    const at = (i: number, withPressure: boolean) =>
      sample(T0 - 2 * MIN + i * SEC, { cpu: 10, services: { web: { cpu: 1, rss: 100 } } }, {
        disks: [
          { device: "sda", readBytesPerSecond: 1000 * i, writtenBytesPerSecond: 10 },
          { device: "sdb", readBytesPerSecond: 1000, writtenBytesPerSecond: 0 },
        ],
        // Loopback and the bridge over a hardware interface are not counted again.
        networks: [
          { device: "lo", loopback: true, receiveBytesPerSecond: 5e6, transmitBytesPerSecond: 5e6 },
          { device: "eth0", receiveBytesPerSecond: 300, transmitBytesPerSecond: 30 },
          { device: "br0", virtual: true, receiveBytesPerSecond: 300, transmitBytesPerSecond: 30 },
        ],
        filesystems: [{ mountPoint: "/", device: "/dev/sda1", fsType: "ext4", sizeBytes: 1000n, usedBytes: BigInt(100 * i) }],
        ...(withPressure && { pressure: { io: { some: { avg10Percent: 4 } } } }),
      });
    // One minute: samples i = 0..59; pressure only in the second half (a kernel without it gives none).
    for (let i = 0; i < 60; i++) h.record(at(i, i >= 30));
    const [point] = h.query(new Date(T0 - 2 * MIN), new Date(T0 - MIN), 60).points;
    expect(point?.services.map((x) => x.name)).toEqual(["web"]);
    expect(point?.diskReadBytesPerSecond).toBeCloseTo(1000 * 29.5 + 1000, 6);
    expect(point?.diskWrittenBytesPerSecond).toBeCloseTo(10, 6);
    expect(point?.networkReceiveBytesPerSecond).toBeCloseTo(300, 6);
    expect(point?.networkTransmitBytesPerSecond).toBeCloseTo(30, 6);
    expect(point?.pressureIoPercent).toBeCloseTo(4, 6); // over the samples that had it
    expect(point?.pressureCpuPercent).toBeUndefined();
    expect(point?.filesystems.map((f) => [f.mountPoint, f.usedBytes, f.sizeBytes])).toEqual([["/", 2950n, 1000n]]);
    // And the same after a restart: the series came from the file.
    h.close();
    const again = openHistory();
    expect(again.query(new Date(T0 - 2 * MIN), new Date(T0 - MIN), 60).points[0]?.filesystems[0]?.usedBytes).toBe(2950n);
  });

  it("answers a short recent range with the 1 s points, including samples not yet flushed", () => {
    const h = openHistory({ flushEveryMs: 60_000 });
    for (let i = 0; i < 10; i++) h.record(sample(T0 - 10 * SEC + i * SEC, { cpu: i * 10, services: { web: { cpu: i, rss: 1000 * i } } }));
    const r = h.query(new Date(T0 - 5 * MIN));
    expect(r.resolution).toBe("1s");
    expect(r.stepSeconds).toBe(1);
    expect(r.points).toHaveLength(10);
    const p3 = r.points[3]!;
    expect(timestampMs(p3.time!)).toBe(T0 - 7 * SEC);
    expect(p3).toMatchObject({ cpuBusyPercent: 30, cpuBusyMaxPercent: 30, memoryUsedPercent: 50, memoryUsedBytes: 50_000_000n, loadOne: 0.3 });
    expect(p3.services).toMatchObject([{ name: "web", cpuPercent: 3, rssBytes: 3000n }]);
  });

  it("downsamples an hour of 1 s points to at most 1000 points with averages and maxima", () => {
    const h = openHistory();
    for (let i = 0; i < 3600; i++) {
      // cpu cycles 0,10,20,30,40 so each 5 s step averages 20 with a max of 40; "batch" runs only half the time
      const services: Fig["services"] = { web: { cpu: 2, rss: 100 } };
      if (i % 2 === 0) services.batch = { cpu: 50, rss: 7000 };
      h.record(sample(T0 - HOUR + i * SEC, { cpu: (i % 5) * 10, mem: 40 + (i % 5), services }));
    }
    now = T0 + SEC;
    const r = h.query(new Date(T0 - HOUR), new Date(T0));
    expect(r.resolution).toBe("1s");
    expect(r.stepSeconds).toBe(5);
    expect(r.points).toHaveLength(720);
    for (const p of r.points) {
      expect(p.cpuBusyPercent).toBeCloseTo(20);
      expect(p.cpuBusyMaxPercent).toBe(40);
      expect(p.memoryUsedPercent).toBeCloseTo(42);
      expect(p.memoryUsedMaxPercent).toBe(44);
      // Averaged over the samples each service was present in.
      expect(p.services.map((s) => [s.name, s.cpuPercent, s.rssBytes])).toEqual([
        ["batch", 50, 7000n],
        ["web", 2, 100n],
      ]);
    }
    const t = seconds(r);
    expect(t.every((x, i) => i === 0 || x - t[i - 1]! === 5)).toBe(true);
  });

  it("keeps 1-minute aggregates (avg and max) and answers longer ranges from them", () => {
    const h = openHistory({ flushEveryMs: 0 });
    // Three hours, one sample every 10 s: in each minute cpu is 0,10,…,50 → avg 25, max 50.
    for (let ms = T0 - 3 * HOUR; ms < T0; ms += 10 * SEC) {
      const k = ((ms - T0) / (10 * SEC)) % 6;
      h.record(sample(ms, { cpu: Math.abs(k) * 10, mem: 60, services: { db: { cpu: 10, rss: 2_000_000 } } }));
    }
    const r = h.query(new Date(T0 - 3 * HOUR), new Date(T0));
    expect(r.resolution).toBe("1m");
    expect(r.stepSeconds).toBe(60);
    expect(r.points).toHaveLength(180);
    for (const p of r.points) {
      expect(p.cpuBusyPercent).toBeCloseTo(25);
      expect(p.cpuBusyMaxPercent).toBe(50);
      expect(p.memoryUsedPercent).toBe(60);
      expect(p.services).toMatchObject([{ name: "db", cpuPercent: 10, rssBytes: 2_000_000n }]);
    }
    const coarse = h.query(new Date(T0 - 3 * HOUR), new Date(T0), 900);
    expect(coarse.stepSeconds).toBe(900);
    expect(coarse.points).toHaveLength(12);
    expect(coarse.points[0]!.cpuBusyPercent).toBeCloseTo(25);
  });

  it("computes every step's average and maximum exactly, from the minute rows and from the 5-minute rollup", () => {
    const h = openHistory({ flushEveryMs: 0 });
    // Irregular values every 7 s (8 or 9 per minute) and a service present in every third sample,
    // so the averages depend on the weights.
    const recorded: { ms: number; cpu: number; mem: number; odd?: number }[] = [];
    for (let ms = T0 - 3 * HOUR; ms < T0; ms += 7 * SEC) {
      const k = (T0 - ms) / SEC;
      const r = { ms, cpu: (k * 7919) % 100, mem: 30 + (k % 11), odd: k % 3 === 0 ? (k % 17) + 17 : undefined };
      recorded.push(r);
      h.record(sample(ms, { cpu: r.cpu, mem: r.mem, services: r.odd === undefined ? {} : { odd: { cpu: r.odd, rss: 1000 } } }));
    }
    for (const step of [60, 300, 900]) {
      const res = h.query(new Date(T0 - 3 * HOUR), new Date(T0), step);
      expect(res.points).toHaveLength((3 * 3600) / step);
      for (const p of res.points) {
        const t = timestampMs(p.time!);
        const inside = recorded.filter((r) => r.ms >= t && r.ms < t + step * SEC);
        const avg = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
        expect(p.cpuBusyPercent).toBeCloseTo(avg(inside.map((r) => r.cpu)), 9);
        expect(p.cpuBusyMaxPercent).toBe(Math.max(...inside.map((r) => r.cpu)));
        expect(p.memoryUsedPercent).toBeCloseTo(avg(inside.map((r) => r.mem)), 9);
        expect(p.memoryUsedMaxPercent).toBe(Math.max(...inside.map((r) => r.mem)));
        expect(p.services[0]!.cpuPercent).toBeCloseTo(avg(inside.flatMap((r) => (r.odd === undefined ? [] : [r.odd]))), 9);
      }
    }
  });

  it("prunes so the tables stay bounded, however long it runs", () => {
    // The 5 min tier kept as long as the minutes, so nine days show every tier's pruning.
    const h = openHistory({ flushEveryMs: 60 * MIN, retention: { rawSeconds: 3600, minuteSeconds: 7 * DAY / 1000, coarseSeconds: 7 * DAY / 1000 } });
    const start = T0 - 9 * DAY;
    // Nine days at one sample a minute, flushed hourly, the clock moving with the samples.
    for (let ms = start; ms <= T0; ms += MIN) {
      now = ms;
      h.record(sample(ms, { cpu: 10, services: { [`svc${Math.floor((ms - start) / DAY)}`]: { cpu: 1, rss: 1 } } }));
      if ((ms - start) % HOUR === 0) h.flush();
    }
    h.flush();
    const rows = h.rowCounts();
    expect(rows["1m"]).toBeLessThanOrEqual(7 * 1440 + 60 + 2);
    expect(rows["1m"]).toBeGreaterThan(7 * 1440 - 60);
    expect(rows["1s"]).toBeLessThanOrEqual(60 + 2 + 2); // one point a minute: an hour and two minutes' worth
    expect(rows["5m"]).toBeLessThanOrEqual(7 * 288 + 12 + 2);
    expect(h.stats()).toMatchObject({ services: 9, pendingSeconds: 0, flushErrors: 0 }); // svc0 last ran over 7 days ago: its name went with its rows
    const week = h.query(new Date(T0 - 7 * DAY), new Date(T0));
    expect(week.points.length).toBeGreaterThan(600);
    expect(timestampMs(week.points[0]!.time!)).toBeGreaterThanOrEqual(T0 - 7 * DAY - 15 * MIN);
    const old = h.query(new Date(T0 - 9 * DAY), new Date(T0 - 8 * DAY));
    expect(old.points).toEqual([]);
    // Services that only ran in the pruned days are gone with them.
    const names = new Set(week.points.flatMap((p) => p.services.map((s) => s.name)));
    expect(names.has("svc0")).toBe(false);
    expect(names.has("svc8")).toBe(true);
    const fileBytes = fs.statSync(h.file).size;
    // Another two days: the tables, and so the file, stay the same size.
    for (let ms = T0 + MIN; ms <= T0 + 2 * DAY; ms += MIN) {
      now = ms;
      h.record(sample(ms, { cpu: 10, services: { later: { cpu: 1, rss: 1 } } }));
      if ((ms - start) % HOUR === 0) h.flush();
    }
    h.flush();
    const after = h.rowCounts();
    expect(Math.abs(after["1m"] - rows["1m"])).toBeLessThanOrEqual(60);
    expect(fs.statSync(h.file).size).toBeLessThanOrEqual(fileBytes * 1.2);
  });

  it("never lets the file and its WAL pass SYSWARD_HISTORY_MAX_BYTES: the oldest coarse rows go first, the newest stay", () => {
    const cap = 1024 * 1024;
    // Flushed every simulated hour below, as the agent does every 10 s of its own.
    const h = openHistory({ flushEveryMs: Number.MAX_SAFE_INTEGER, maxBytes: cap });
    const onDisk = () => ["", "-wal", "-shm"].reduce((n, suffix) => n + (fs.existsSync(h.file + suffix) ? fs.statSync(h.file + suffix).size : 0), 0);
    // 40 services a sample (big rows), one sample every 2 minutes for 30 days: several MiB uncapped.
    const services = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`service-with-a-long-name-${i}`, { cpu: i, rss: i * 1000 }]));
    const start = T0 - 30 * DAY;
    let largest = 0;
    for (let ms = start; ms <= T0; ms += 2 * MIN) {
      now = ms;
      h.record(sample(ms, { cpu: 5, services }));
      if ((ms - start) % HOUR === 0) {
        h.flush();
        largest = Math.max(largest, onDisk());
      }
    }
    h.flush();
    largest = Math.max(largest, onDisk());
    expect(largest).toBeLessThanOrEqual(cap);
    expect(h.stats().rowsTrimmedForSize).toBeGreaterThan(0);
    // Trimmed from the old end: the oldest day is gone, the last hour answers whole, and every
    // resolution starts at the same horizon (the 5 min rows a 7-day chart reads reach back as far
    // as the minute rows a 1-day chart reads).
    expect(h.query(new Date(T0 - 30 * DAY), new Date(T0 - 29 * DAY)).points).toEqual([]);
    const hour = h.query(new Date(T0 - HOUR), new Date(T0));
    expect(hour.points.length).toBeGreaterThanOrEqual(29);
    const first = (r: PerfHistoryResponse) => timestampMs(r.points[0]!.time!);
    const week = h.query(new Date(T0 - 7 * DAY), new Date(T0));
    const day = h.query(new Date(T0 - DAY), new Date(T0));
    expect(week.resolution).toBe("1m"); // answered from the 5 min rollup: its step is whole 5 minutes
    expect(week.stepSeconds % 300).toBe(0);
    expect(Math.abs(first(week) - Math.max(first(day), T0 - DAY))).toBeLessThanOrEqual(week.stepSeconds * 1000);
  });

  it("a cap lowered below an existing file trims it and gives the space back at open", () => {
    const big = openHistory({ flushEveryMs: Number.MAX_SAFE_INTEGER });
    const services = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`svc${i}`, { cpu: i, rss: i }]));
    for (let ms = T0 - 20 * DAY; ms <= T0; ms += 2 * MIN) {
      now = ms;
      big.record(sample(ms, { cpu: 5, services }));
      if (ms % HOUR === 0) big.flush();
    }
    big.close();
    open.splice(open.indexOf(big), 1);
    const file = path.join(dir, "perf.db");
    expect(fs.statSync(file).size).toBeGreaterThan(1.5 * 1024 * 1024);
    const small = openHistory({ maxBytes: 1024 * 1024 });
    small.close();
    const total = ["", "-wal"].reduce((n, s) => n + (fs.existsSync(file + s) ? fs.statSync(file + s).size : 0), 0);
    expect(total).toBeLessThanOrEqual(1024 * 1024);
    expect(() => PerfHistory.open(path.join(dir, "tiny.db"), { maxBytes: 1000 })).toThrow(/below the least/);
  });

  it("keeps history across a restart, merging a minute that was split by it", () => {
    const file = path.join(dir, "sub", "perf.db");
    const a = openHistory({}, file);
    for (let i = 0; i < 30; i++) a.record(sample(T0 - 2 * HOUR + i * SEC, { cpu: 10 }));
    for (let i = 0; i < 10; i++) a.record(sample(T0 - 20 * SEC + i * SEC, { cpu: 70 }));
    a.close();
    a.close(); // idempotent
    expect(() => a.record(sample(T0, { cpu: 1 }))).toThrow(/closed/);
    expect(asDomain(catchErr(() => a.query(new Date(T0 - MIN)))).kind).toBe("unavailable");

    const b = openHistory({}, file);
    for (let i = 30; i < 60; i++) b.record(sample(T0 - 2 * HOUR + i * SEC, { cpu: 30 }));
    const recent = b.query(new Date(T0 - MIN), new Date(T0));
    expect(recent.points.map((p) => p.cpuBusyPercent)).toEqual(Array(10).fill(70));
    const old = b.query(new Date(T0 - 2 * HOUR - 30 * MIN), new Date(T0 - HOUR - 30 * MIN));
    expect(old.resolution).toBe("1m");
    expect(old.points).toHaveLength(1);
    // 30 samples at 10 before the restart and 30 at 30 after: one minute, avg 20, max 30.
    expect(old.points[0]).toMatchObject({ cpuBusyPercent: 20, cpuBusyMaxPercent: 30 });
  });

  it("uses WAL and sets an unreadable file aside instead of failing to start", () => {
    const file = path.join(dir, "perf.db");
    fs.writeFileSync(file, "this is not a database, just some bytes that are long enough to have a header ".repeat(20));
    const warnings: string[] = [];
    const h = openHistory({ onWarning: (m) => warnings.push(m) }, file);
    h.record(sample(T0 - SEC, { cpu: 5 }));
    expect(h.query(new Date(T0 - MIN)).points).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/unreadable .*moved it to .*perf\.db\.corrupt-/);
    expect(fs.readdirSync(dir).some((f) => f.startsWith("perf.db.corrupt-"))).toBe(true);
    const db = new Database(file, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("rejects bad ranges as InvalidArgument", () => {
    const h = openHistory();
    const err = asDomain(catchErr(() => h.query(new Date(T0), new Date(T0 - HOUR))));
    expect(err.kind).toBe("invalid-argument");
    expect(err.message).toMatch(/before start/);
  });
});

function catchErr(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}

function asDomain(err: unknown): DomainError {
  if (!(err instanceof DomainError)) throw err;
  return err;
}
