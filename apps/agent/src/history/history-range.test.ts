import { DomainError } from "../domain-error";
import { describe, expect, it } from "vitest";
import { MAX_POINTS, planHistoryQuery, type HistoryRequest } from "./history-range";

const NOW = Date.UTC(2025, 0, 10, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function rejection(req: HistoryRequest): DomainError {
  try {
    planHistoryQuery(req, NOW);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return err;
  }
  throw new Error("expected the request to be rejected");
}

describe("planHistoryQuery", () => {
  it("answers the last hour or less from 1 s points, downsampled to at most MAX_POINTS", () => {
    expect(planHistoryQuery({ startMs: NOW - 5 * MIN }, NOW)).toMatchObject({ resolution: "1s", stepSeconds: 1 });
    const hour = planHistoryQuery({ startMs: NOW - HOUR, endMs: NOW }, NOW);
    expect(hour).toMatchObject({ resolution: "1s", stepSeconds: 5, fromSeconds: (NOW - HOUR) / 1000, toSeconds: NOW / 1000 });
    // "The last hour" from a clock half a minute behind the agent's still gets 1 s points.
    expect(planHistoryQuery({ startMs: NOW - HOUR - 30_000, endMs: NOW - 30_000 }, NOW).resolution).toBe("1s");
  });

  it("answers longer or older ranges from minute aggregates", () => {
    expect(planHistoryQuery({ startMs: NOW - 2 * HOUR }, NOW)).toMatchObject({ resolution: "1m", stepSeconds: 60 });
    expect(planHistoryQuery({ startMs: NOW - 24 * HOUR }, NOW)).toMatchObject({ resolution: "1m", stepSeconds: 120 });
    expect(planHistoryQuery({ startMs: NOW - 7 * DAY }, NOW)).toMatchObject({ resolution: "1m", stepSeconds: 900 });
    // Five minutes, but two hours ago: the 1 s points are gone by then.
    expect(planHistoryQuery({ startMs: NOW - 2 * HOUR, endMs: NOW - 2 * HOUR + 5 * MIN }, NOW)).toMatchObject({ resolution: "1m" });
  });

  it("never plans more than MAX_POINTS points for any span it accepts", () => {
    for (let span = 1000; span <= 7 * DAY + HOUR; span = Math.ceil(span * 1.37)) {
      const p = planHistoryQuery({ startMs: NOW - span + 123, endMs: NOW }, NOW);
      const points = Math.floor(p.toSeconds / p.stepSeconds) - Math.floor(p.fromSeconds / p.stepSeconds) + 1;
      expect(points, `span ${span} ms`).toBeLessThanOrEqual(MAX_POINTS);
    }
  });

  it("aligns minute-resolution ranges down to the minute that holds the start", () => {
    const p = planHistoryQuery({ startMs: NOW - 3 * HOUR + 30_000 }, NOW);
    expect(p.fromSeconds).toBe((NOW - 3 * HOUR) / 1000);
  });

  it("honours an explicit step, rounded up to what is stored", () => {
    expect(planHistoryQuery({ startMs: NOW - 3 * HOUR, stepSeconds: 300 }, NOW).stepSeconds).toBe(300);
    expect(planHistoryQuery({ startMs: NOW - 3 * HOUR, stepSeconds: 90 }, NOW).stepSeconds).toBe(120);
    expect(planHistoryQuery({ startMs: NOW - 10 * MIN, stepSeconds: 2 }, NOW).stepSeconds).toBe(2);
  });

  it("answers a range reaching into the future up to now", () => {
    expect(planHistoryQuery({ startMs: NOW - MIN, endMs: NOW + DAY }, NOW).toSeconds).toBe(NOW / 1000);
  });

  it("rejects bad ranges with InvalidArgument and a message saying what to change", () => {
    const cases: [HistoryRequest, RegExp][] = [
      [{ startMs: NaN }, /start is required/],
      [{ startMs: NOW - HOUR, endMs: NOW - 2 * HOUR }, /end .* is before start/],
      [{ startMs: NOW - 91 * DAY }, /spans 91d; history keeps 90d, so ask for at most 90d1h/],
      [{ startMs: NOW + 10 * MIN }, /start 2025-01-10T12:10:00.000Z is in the future/],
      [{ startMs: NOW - DAY, stepSeconds: 91 * 86400 }, /longer than the 90d history keeps/],
      [{ startMs: NOW - 7 * DAY, stepSeconds: 60 }, /gives 10081 points .* use step_seconds ≥ 660, or 0/],
      [{ startMs: NOW - HOUR, stepSeconds: 1 }, /at most 1000/],
      [{ startMs: NOW - HOUR, stepSeconds: 1.5 }, /whole number/],
    ];
    for (const [req, message] of cases) {
      const err = rejection(req);
      expect(err.kind, JSON.stringify(req)).toBe("invalid-argument");
      expect(err.message).toMatch(message);
    }
  });

  it("answers from the 5 min aggregates past the minute tier's days, in steps of whole 5 minutes", () => {
    expect(planHistoryQuery({ startMs: NOW - 30 * DAY }, NOW)).toMatchObject({ resolution: "5m", stepSeconds: 3600 });
    expect(planHistoryQuery({ startMs: NOW - 30 * DAY, endMs: NOW - 30 * DAY + HOUR, stepSeconds: 60 }, NOW)).toMatchObject({ resolution: "5m", stepSeconds: 300 });
    // Retention as configured: a shorter minute tier moves the boundary.
    const short = { rawSeconds: 600, minuteSeconds: DAY / 1000, coarseSeconds: (30 * DAY) / 1000 };
    expect(planHistoryQuery({ startMs: NOW - 2 * DAY }, NOW, short).resolution).toBe("5m");
    expect(planHistoryQuery({ startMs: NOW - 20 * MIN }, NOW, short).resolution).toBe("1m");
    expect(() => planHistoryQuery({ startMs: NOW - 31 * DAY }, NOW, short)).toThrow(/history keeps 30d/);
  });

  it("accepts the minimum step its own error message suggests", () => {
    const msg = rejection({ startMs: NOW - 7 * DAY, stepSeconds: 60 }).message;
    const suggested = Number(/≥ (\d+)/.exec(msg)![1]);
    expect(planHistoryQuery({ startMs: NOW - 7 * DAY, stepSeconds: suggested }, NOW).stepSeconds).toBe(suggested);
  });
});
