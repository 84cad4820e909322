import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Backoff, backoffDelay } from "./backoff";

describe("backoff", () => {
  const policy = { initialMs: 100, maxMs: 1_000 };

  it("doubles from the initial delay up to the cap", () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it("never exceeds the cap and never decreases with more attempts", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 1e6 }), fc.nat(2_000), (initialMs, extra, n) => {
        const p = { initialMs, maxMs: initialMs + extra };
        const d = backoffDelay(p, n);
        expect(d).toBeLessThanOrEqual(p.maxMs);
        expect(d).toBeGreaterThanOrEqual(initialMs);
        expect(backoffDelay(p, n + 1)).toBeGreaterThanOrEqual(d);
      }),
    );
  });

  it("grows while crashes come quickly and starts over after a stable run", () => {
    const b = new Backoff(policy, 10_000);
    expect([b.next(5), b.next(5), b.next(5)]).toEqual([100, 200, 400]);
    expect(b.next(10_000)).toBe(100);
    expect(b.next(5)).toBe(200);
  });
});
