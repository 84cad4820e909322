import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatBytes } from "./format";
import { niceByteTicks, niceTicks } from "./nice-ticks";

describe("niceTicks", () => {
  it("steps by 1, 2, 2.5 or 5 × 10^k from 0 past the maximum", () => {
    expect(niceTicks(3.4)).toEqual([0, 1, 2, 3, 4]);
    expect(niceTicks(100)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(0.3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it("always covers the maximum with few ticks", () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e12, noNaN: true }), (max) => {
        const ticks = niceTicks(max);
        expect(ticks[0]).toBe(0);
        expect(ticks.at(-1)!).toBeGreaterThanOrEqual(max);
        expect(ticks.length).toBeLessThanOrEqual(6);
      }),
    );
  });
});

describe("niceByteTicks", () => {
  it("labels in whole units", () => {
    expect(niceByteTicks(3.43 * 1024 * 1024).map(formatBytes)).toEqual(["0 B", "1 MiB", "2 MiB", "3 MiB", "4 MiB"]);
    expect(niceByteTicks(700 * 1024).map(formatBytes)).toEqual(["0 B", "200 KiB", "400 KiB", "600 KiB", "800 KiB"]);
  });
});
