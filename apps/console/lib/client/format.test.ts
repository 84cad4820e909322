import { describe, expect, it } from "vitest";
import { formatAxisTime, formatBytes, formatDuration, formatPercent, shortSha } from "./format";

describe("formatBytes", () => {
  it("uses binary units and trims needless zeros", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1024)).toBe("1 KiB");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(10.5 * 1024 * 1024)).toBe("10.5 MiB");
    expect(formatBytes(123.4 * 1024 ** 3)).toBe("123 GiB");
  });
  it("accepts protobuf uint64 bigints", () => {
    expect(formatBytes(2n * 1024n ** 3n)).toBe("2 GiB");
  });
  it("shows a dash for missing or nonsense values", () => {
    expect(formatBytes(undefined)).toBe("—");
    expect(formatBytes(-1)).toBe("—");
    expect(formatBytes(Number.NaN)).toBe("—");
  });
});

describe("formatPercent", () => {
  it("keeps one decimal so a quiet machine does not read as zero", () => {
    expect(formatPercent(0.04)).toBe("0.0 %");
    expect(formatPercent(0.25)).toBe("0.3 %");
    expect(formatPercent(99.96)).toBe("100.0 %");
    expect(formatPercent(12.345, 0)).toBe("12 %");
    expect(formatPercent(null)).toBe("—");
  });
});

describe("formatDuration", () => {
  it("shows the two largest units", () => {
    expect(formatDuration(0)).toBe("0 s");
    expect(formatDuration(42.9)).toBe("42 s");
    expect(formatDuration(60)).toBe("1 m");
    expect(formatDuration(312)).toBe("5 m 12 s");
    expect(formatDuration(3 * 3600 + 4 * 60 + 5)).toBe("3 h 4 m");
    expect(formatDuration(2 * 86400 + 7 * 3600 + 59)).toBe("2 d 7 h");
    expect(formatDuration(86400)).toBe("1 d");
    expect(formatDuration(90061n)).toBe("1 d 1 h");
    expect(formatDuration(-5)).toBe("—");
  });
});

describe("formatAxisTime", () => {
  const t = new Date(2025, 2, 4, 14, 5, 9).getTime();
  it("picks the detail the span needs", () => {
    expect(formatAxisTime(t, 5 * 60_000)).toBe("14:05:09");
    expect(formatAxisTime(t, 3_600_000)).toBe("14:05");
    expect(formatAxisTime(t, 7 * 86_400_000)).toBe("03-04 14:05");
  });
});

describe("shortSha", () => {
  it("keeps the first 12 hex digits", () => {
    expect(shortSha("a".repeat(64))).toBe("a".repeat(12));
    expect(shortSha("abc")).toBe("abc");
  });
});
