import { describe, expect, it } from "vitest";
import { timeTicks } from "./time-ticks";

describe("timeTicks", () => {
  it("places at most maxTicks ticks on round local times inside the range", () => {
    const start = new Date(2025, 0, 10, 14, 3, 17).getTime();
    for (const [span, step] of [
      [5 * 60_000, 60_000],
      [3_600_000, 600_000],
      [24 * 3_600_000, 6 * 3_600_000],
      [7 * 86_400_000, 86_400_000 * 2],
    ] as const) {
      const ticks = timeTicks(start, start + span, 6);
      expect(ticks.length).toBeGreaterThan(1);
      expect(ticks.length).toBeLessThanOrEqual(6);
      for (const t of ticks) {
        expect(t).toBeGreaterThanOrEqual(start);
        expect(t).toBeLessThanOrEqual(start + span);
        const d = new Date(t);
        expect(d.getSeconds()).toBe(0);
      }
      expect(ticks[1]! - ticks[0]!).toBeLessThanOrEqual(step);
    }
  });

  it("labels hour steps on the hour", () => {
    const start = new Date(2025, 0, 10, 0, 20).getTime();
    const ticks = timeTicks(start, start + 24 * 3_600_000, 6);
    expect(ticks.map((t) => new Date(t).getMinutes())).toEqual(ticks.map(() => 0));
  });

  it("returns nothing for an empty range", () => {
    expect(timeTicks(10, 10)).toEqual([]);
  });
});
