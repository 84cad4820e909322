import { describe, expect, it } from "vitest";
import type { ChartPoint } from "./perf-points";
import { withGaps } from "./perf-gaps";

const at = (t: number): ChartPoint => ({ t, cpu: 1, cpuMax: 1, memPercent: 1, memMaxPercent: 1, memBytes: 1, memTotalBytes: 1, services: {}, devices: { disk: null, net: null, pressure: null, filesystems: {} } });

describe("withGaps", () => {
  it("leaves evenly spaced points alone", () => {
    const pts = [0, 1000, 2000, 3000].map(at);
    expect(withGaps(pts)).toEqual(pts);
  });

  it("marks a silence of more than three steps with one gap point just after it began", () => {
    const out = withGaps([0, 1000, 2000, 3000, 60_000, 61_000].map(at));
    expect(out.map((p) => [p.t, p.gap ?? false])).toEqual([
      [0, false],
      [1000, false],
      [2000, false],
      [3000, false],
      [4000, true],
      [60_000, false],
      [61_000, false],
    ]);
  });
});
