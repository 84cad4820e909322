import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { corePercents, cpuPercents } from "./cpu-delta";
import type { CpuTicks } from "./proc-parsers";

const ticks = (t: Partial<CpuTicks>): CpuTicks => ({ user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, ...t });

describe("cpuPercents", () => {
  it("turns tick deltas into shares of the interval", () => {
    const prev = ticks({ user: 1000, system: 500, idle: 8000, iowait: 100 });
    const cur = ticks({ user: 1030, system: 510, idle: 8050, iowait: 110 }); // 100 ticks elapsed
    const p = cpuPercents(prev, cur);
    expect(p.userPercent).toBeCloseTo(30);
    expect(p.systemPercent).toBeCloseTo(10);
    expect(p.idlePercent).toBeCloseTo(50);
    expect(p.iowaitPercent).toBeCloseTo(10);
    expect(p.busyPercent).toBeCloseTo(40); // 100 - idle - iowait
  });

  it("counts a counter that stepped backwards as no time, not negative time", () => {
    const p = cpuPercents(ticks({ user: 100, idle: 100, iowait: 50 }), ticks({ user: 150, idle: 150, iowait: 40 }));
    expect(p.iowaitPercent).toBe(0);
    expect(p.userPercent).toBeCloseTo(50);
    expect(p.busyPercent).toBeCloseTo(50);
  });

  it("reports zeros, not NaN, when no tick elapsed", () => {
    const t = ticks({ user: 5, idle: 5 });
    expect(Object.values(cpuPercents(t, t)).every((v) => v === 0)).toBe(true);
  });

  it("always yields shares that add up to 100 and a busy figure within 0..100", () => {
    const field = fc.nat({ max: 1e9 });
    const arb = fc.record({ user: field, nice: field, system: field, idle: field, iowait: field, irq: field, softirq: field, steal: field });
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const p = cpuPercents(a, b);
        const states = p.userPercent + p.nicePercent + p.systemPercent + p.idlePercent + p.iowaitPercent + p.irqPercent + p.softirqPercent + p.stealPercent;
        const none = Object.values(p).every((v) => v === 0);
        return (none || Math.abs(states - 100) < 1e-6) && p.busyPercent >= 0 && p.busyPercent <= 100 + 1e-9;
      }),
    );
  });
});

describe("corePercents", () => {
  it("matches cores by id and skips one that was not there before", () => {
    const prev = { total: ticks({}), cores: [{ id: "cpu0", ticks: ticks({ user: 0, idle: 0 }) }] };
    const cur = {
      total: ticks({}),
      cores: [
        { id: "cpu0", ticks: ticks({ user: 25, idle: 75 }) },
        { id: "cpu1", ticks: ticks({ user: 10, idle: 10 }) },
      ],
    };
    const out = corePercents(prev, cur);
    expect(out.map((c) => c.id)).toEqual(["cpu0"]);
    expect(out[0]!.times.busyPercent).toBeCloseTo(25);
  });
});
