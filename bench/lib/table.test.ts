import { describe, expect, it } from "vitest";
import { fmtBytes, fmtMB, fmtMs, fmtNumber, fmtRatio, markdownTable } from "./table";

describe("markdownTable", () => {
  it("aligns text left and all-number columns right", () => {
    const t = markdownTable(["name", "ms"], [["a", 1.5], ["long name", 120]]);
    expect(t.split("\n")).toEqual([
      "| name      |   ms |",
      "|-----------|-----:|",
      "| a         | 1.50 |",
      "| long name |  120 |",
    ]);
  });

  it("escapes pipes and newlines inside cells", () => {
    expect(markdownTable(["x"], [["a|b\nc"]])).toContain("a\\|b c");
  });

  it("refuses a row with the wrong number of cells", () => {
    expect(() => markdownTable(["a", "b"], [["only one"]])).toThrow(/1 cells, the header 2/);
  });
});

describe("number formats", () => {
  it("keeps about three significant digits", () => {
    expect(fmtNumber(1234.4)).toBe("1234");
    expect(fmtNumber(12.345)).toBe("12.3");
    expect(fmtNumber(1.2345)).toBe("1.23");
    expect(fmtNumber(0.012345)).toBe("0.0123");
    expect(fmtNumber(0)).toBe("0");
    expect(fmtNumber(NaN)).toBe("n/a");
  });

  it("formats bytes, durations and ratios", () => {
    expect(fmtBytes(200 * 1024 * 1024)).toBe("200 MiB");
    expect(fmtBytes(1536)).toBe("1.50 KiB");
    expect(fmtMB(123_456_789)).toBe("123 MB");
    expect(fmtMs(12.34)).toBe("12.3 ms");
    expect(fmtMs(25_000)).toBe("25 s");
    expect(fmtMs(25_500)).toBe("25.5 s");
    expect(fmtRatio(1.07, 0.98, 1.21)).toBe("1.07× (0.98–1.21)");
  });
});
