import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CrashWindow, crashLoopReason, describeExit } from "./start-limit";

describe("start limit", () => {
  const limit = { burst: 3, intervalMs: 1_000 };

  it("trips on the burst-th crash within the interval, and not before", () => {
    const w = new CrashWindow(limit);
    expect([w.record(10_000), w.record(10_100), w.record(10_999)]).toEqual([false, false, true]);
  });

  it("slides: crashes older than the interval no longer count", () => {
    const w = new CrashWindow(limit);
    expect([w.record(10_000), w.record(10_500), w.record(11_000), w.record(11_400)]).toEqual([false, false, false, true]);
    expect(w.snapshot()).toEqual([10_500, 11_000, 11_400]);
  });

  it("never trips when crashes are further apart than interval / (burst - 1) (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 30 }), (extra) => {
        const w = new CrashWindow(limit);
        let t = 1_000_000;
        for (const e of extra) {
          t += limit.intervalMs / (limit.burst - 1) + e;
          expect(w.record(t)).toBe(false);
        }
      }),
    );
  });

  it("starts afresh on reset, and carries over only the recent crashes of an earlier agent", () => {
    const w = new CrashWindow(limit);
    w.record(Date.now());
    w.record(Date.now());
    w.reset();
    expect(w.record(Date.now())).toBe(false);
    const now = Date.now();
    const carried = new CrashWindow(limit, [now - 60_000, now - 10_000, Number.NaN, now - 100]);
    expect(carried.snapshot()).toEqual([now - 100]);
    expect(carried.record(now)).toBe(false);
    expect(carried.record(now)).toBe(true);
  });

  it("is off with burst or interval 0 (systemd's StartLimitIntervalSec=0)", () => {
    for (const off of [{ burst: 0, intervalMs: 1_000 }, { burst: 3, intervalMs: 0 }]) {
      const w = new CrashWindow(off);
      expect(Array.from({ length: 10 }, () => w.record(Date.now()))).not.toContain(true);
    }
  });

  it("says what happened and what to do", () => {
    expect(crashLoopReason({ burst: 5, intervalMs: 60_000 }, "exit code 1")).toBe(
      "crashed 5 times within 60 s; last exit code 1 — gave up restarting it; fix the cause, then start it again (Start, Restart or a new install)",
    );
    expect(crashLoopReason({ burst: 1, intervalMs: 300 })).toMatch(/^crashed once within 0.3 s — /);
    expect(describeExit({ code: null, signal: "SIGSEGV" })).toBe("killed by SIGSEGV");
    expect(describeExit({ code: 0, signal: null })).toBe("exit code 0");
    expect(describeExit({ code: null, signal: null })).toBeUndefined();
  });
});
