import { describe, expect, it } from "vitest";
import { median, pairedRatio, percentile, summarize } from "./stats";

describe("percentile", () => {
  it("interpolates between closest ranks", () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 25)).toBe(20);
    expect(percentile([0, 100], 99)).toBeCloseTo(99);
  });

  it("does not depend on input order and does not reorder the input", () => {
    const input = [5, 1, 4, 2, 3];
    expect(percentile(input, 50)).toBe(3);
    expect(input).toEqual([5, 1, 4, 2, 3]);
  });

  it("gives the extremes at 0 and 100, NaN for no values, and refuses bad quantiles", () => {
    expect(percentile([3, 9, 1], 0)).toBe(1);
    expect(percentile([3, 9, 1], 100)).toBe(9);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], NaN)).toThrow(RangeError);
  });
});

describe("summarize", () => {
  it("reports min, max, mean, median and p99", () => {
    const values = Array.from({ length: 101 }, (_, i) => i); // 0..100
    expect(summarize(values)).toEqual({ n: 101, min: 0, max: 100, mean: 50, median: 50, p99: 99 });
  });

  it("is all NaN for an empty list", () => {
    const s = summarize([]);
    expect(s.n).toBe(0);
    expect(s.median).toBeNaN();
  });
});

describe("pairedRatio", () => {
  it("takes the median of the per-round ratios", () => {
    const r = pairedRatio([12, 30, 11], [10, 10, 10]);
    expect(r.median).toBeCloseTo(1.2);
    expect(r.min).toBeCloseTo(1.1);
    expect(r.max).toBeCloseTo(3);
    expect(r.ofMedians).toBeCloseTo(1.2);
  });

  it("refuses unpaired rounds", () => {
    expect(() => pairedRatio([1, 2], [1])).toThrow(/as many baseline rounds/);
    expect(() => pairedRatio([], [])).toThrow(RangeError);
  });

  it("median agrees with percentile 50", () => {
    expect(median([7, 1, 3])).toBe(3);
  });
});
