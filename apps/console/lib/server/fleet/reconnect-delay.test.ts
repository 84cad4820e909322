import { describe, expect, it } from "vitest";
import { reconnectDelay } from "./reconnect-delay";

describe("reconnectDelay", () => {
  it("doubles from 250 ms to the ceiling, each wait within the upper half of its step", () => {
    expect([0, 1, 2, 3].map((a) => reconnectDelay(a, 5000, () => 1))).toEqual([250, 500, 1000, 2000]);
    expect([0, 1, 2, 3].map((a) => reconnectDelay(a, 5000, () => 0))).toEqual([125, 250, 500, 1000]);
    expect(reconnectDelay(50, 5000, () => 1)).toBe(5000);
    expect(reconnectDelay(50, 5000, () => 0)).toBe(2500);
  });

  it("spreads machines that failed together over the window", () => {
    const waits = new Set(Array.from({ length: 200 }, () => reconnectDelay(10, 5000)));
    expect(waits.size).toBeGreaterThan(50);
    for (const w of waits) {
      expect(w).toBeGreaterThanOrEqual(2500);
      expect(w).toBeLessThanOrEqual(5000);
    }
  });
});
