// The throttle's arithmetic and its SQLite state, driven with explicit clocks.
import { afterAll, describe, expect, it } from "vitest";
import { setupConsoleTestEnv } from "../testing/console-test-env";
import { ADDRESS, delayAfter, loginWaitMs, PAIR, recordLoginFailure, recordLoginSuccess, USER } from "./login-throttle";

const env = setupConsoleTestEnv();
afterAll(() => env.cleanup());

describe("delayAfter", () => {
  it("is free up to the policy's allowance, then doubles up to the cap", () => {
    expect([0, 4].map((n) => delayAfter(n, PAIR))).toEqual([0, 0]);
    expect([5, 6, 7, 8].map((n) => delayAfter(n, PAIR))).toEqual([1000, 2000, 4000, 8000]);
    expect(delayAfter(30, PAIR)).toBe(PAIR.capMs);
    expect(delayAfter(1000, USER)).toBe(USER.capMs);
    expect(delayAfter(ADDRESS.free - 1, ADDRESS)).toBe(0);
  });
});

describe("loginWaitMs", () => {
  const t0 = Date.now();

  it("grows with each failure and lets the attempt through once the delay has passed", () => {
    for (let i = 0; i < 5; i++) recordLoginFailure("erin", "10.9.0.1", t0);
    expect(loginWaitMs("erin", "10.9.0.1", t0)).toBe(1000);
    expect(loginWaitMs("erin", "10.9.0.1", t0 + 999)).toBe(1);
    expect(loginWaitMs("erin", "10.9.0.1", t0 + 1000)).toBe(0);
    recordLoginFailure("erin", "10.9.0.1", t0 + 1000);
    expect(loginWaitMs("erin", "10.9.0.1", t0 + 1000)).toBe(2000);
    // Another account from the same address, and the same account elsewhere, are not held up.
    expect(loginWaitMs("frank", "10.9.0.1", t0 + 1000)).toBe(0);
    expect(loginWaitMs("erin", "10.9.0.2", t0 + 1000)).toBe(0);
  });

  it("holds up an address that sprays many usernames", () => {
    for (let i = 0; i < ADDRESS.free; i++) recordLoginFailure(`user${i}`, "10.9.1.1", t0);
    expect(loginWaitMs("somebody-new", "10.9.1.1", t0)).toBe(1000);
    expect(loginWaitMs("somebody-new", "10.9.1.2", t0)).toBe(0);
  });

  it("counts only each address's first failures towards the account's limit", () => {
    for (let i = 0; i < 200; i++) recordLoginFailure("gina", "10.9.2.1", t0 + i);
    expect(loginWaitMs("gina", "10.9.2.2", t0 + 200)).toBe(0);
  });

  it("forgets failures after a day, and a success clears the account's counters", () => {
    for (let i = 0; i < 6; i++) recordLoginFailure("hank", "10.9.3.1", t0);
    expect(loginWaitMs("hank", "10.9.3.1", t0 + 24 * 3_600_000)).toBe(0);
    recordLoginSuccess("hank", "10.9.3.1");
    expect(loginWaitMs("hank", "10.9.3.1", t0)).toBe(0);
  });
});
