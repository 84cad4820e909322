// 1,000 rapid failed logins through the real login route (real SQLite, real scrypt): they are
// throttled — almost none even reach the password check — the throttle's state stays a few rows,
// and the real admin still signs in from another address. A spray of 1,000 usernames from one
// address is throttled the same way. (auth-routes.test.ts covers the throttle's rules with a
// few dozen attempts; this is the flood.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as loginRoute from "@/app/api/auth/login/route";
import { getDb } from "../db/database";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";
import { ADDRESS, PAIR } from "./login-throttle";
import { MAX_CONCURRENT_CHECKS, MAX_WAITING_CHECKS, passwordCheckLoad } from "./password-check-gate";
import { createUser } from "./users";

const env = setupConsoleTestEnv();
const ADMIN = { username: "floodadmin", password: "the real admin password" };
const FLOOD = 1000;

beforeAll(async () => {
  await createUser({ ...ADMIN, role: "admin" });
});
afterAll(() => env.cleanup());

const login = (body: { username: string; password: string }, address: string) =>
  loginRoute.POST(consoleRequest("/api/auth/login", { json: body, address }));

/**
 * How many attempts may reach the password check during a flood of `ms`: the free ones, then one
 * each time the doubling delay (1 s, 2 s, 4 s…) runs out.
 */
const checkedAtMost = (free: number, ms: number) => free + Math.ceil(Math.log2(ms / 1000 + 1)) + 1;

async function flood(attempt: (i: number) => Promise<Response>): Promise<Record<number, number> & { ms: number }> {
  const started = Date.now();
  const statuses: Record<number, number> & { ms: number } = { ms: 0 };
  for (let i = 0; i < FLOOD; i++) {
    const res = await attempt(i);
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    if (res.status === 429) {
      const body = (await res.json()) as { retryAfterSeconds: number };
      expect(body.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(res.headers.get("retry-after")).toBe(String(body.retryAfterSeconds));
    }
  }
  statuses.ms = Date.now() - started;
  return statuses;
}

const throttleRows = () => (getDb().prepare("SELECT count(*) AS n FROM login_throttle").get() as { n: number }).n;

describe(`${FLOOD} rapid failed logins`, () => {
  it("against the admin from one address: throttled after a handful, and the admin still signs in from elsewhere", async () => {
    const statuses = await flood((i) => login({ username: ADMIN.username, password: `guess number ${i}` }, "203.0.113.7"));
    // Only a handful were checked against the password; everything else was refused unchecked.
    expect(statuses[401]).toBeGreaterThanOrEqual(PAIR.free);
    expect(statuses[401]).toBeLessThanOrEqual(checkedAtMost(PAIR.free, statuses.ms));
    expect(statuses[429]).toBe(FLOOD - statuses[401]!);
    // The right password from the flooding address is refused too: no oracle there.
    expect((await login(ADMIN, "203.0.113.7")).status).toBe(429);
    // The flood leaves pair, address and user counters: a few rows, not a thousand.
    expect(throttleRows()).toBeLessThanOrEqual(3);
    expect((await login(ADMIN, "198.51.100.20")).status).toBe(200);
  });

  it("spraying a different username each time from one address: throttled the same way", async () => {
    const before = throttleRows();
    const statuses = await flood((i) => login({ username: `user${i}`, password: "password123" }, "203.0.113.99"));
    const checked = statuses[401]!;
    expect(checked).toBeGreaterThanOrEqual(ADDRESS.free);
    expect(checked).toBeLessThanOrEqual(checkedAtMost(ADDRESS.free, statuses.ms));
    expect(statuses[429]).toBe(FLOOD - checked);
    // Refused attempts are not recorded: rows grow with the few checked ones only (pair and user per name, one address).
    expect(throttleRows() - before).toBeLessThanOrEqual(2 * checked + 1);
    expect((await login(ADMIN, "198.51.100.21")).status).toBe(200);
  });
});

describe("concurrent failed logins", () => {
  const tally = (responses: Response[]) => {
    const statuses: Record<number, number> = {};
    for (const r of responses) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    return statuses;
  };

  it("40 at once against the admin from one address: no more than the free ones reach the password check", async () => {
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => login({ username: ADMIN.username, password: `parallel guess ${i}` }, "203.0.113.50")));
    const statuses = tally(responses);
    expect(statuses[401] ?? 0).toBeLessThanOrEqual(PAIR.free);
    expect(statuses[200]).toBeUndefined();
    expect((statuses[401] ?? 0) + (statuses[429] ?? 0) + (statuses[503] ?? 0)).toBe(40);
    expect((await login(ADMIN, "203.0.113.50")).status).toBe(429);
    expect((await login(ADMIN, "198.51.100.30")).status).toBe(200);
  });

  it("60 at once for different names from different addresses: only a bounded number of checks run or wait, the rest get 503", async () => {
    let maxRunning = 0;
    const sampler = setInterval(() => (maxRunning = Math.max(maxRunning, passwordCheckLoad().running)), 1);
    const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => login({ username: `spray${i}`, password: "password123" }, `198.18.${i}.1`)));
    clearInterval(sampler);
    const statuses = tally(responses);
    expect(statuses[503]).toBeGreaterThanOrEqual(60 - MAX_CONCURRENT_CHECKS - MAX_WAITING_CHECKS);
    expect(statuses[401]).toBe(60 - statuses[503]!);
    expect(maxRunning).toBeLessThanOrEqual(MAX_CONCURRENT_CHECKS);
    const busy = responses.find((r) => r.status === 503)!;
    expect(busy.headers.get("retry-after")).toBe("1");
    expect(passwordCheckLoad()).toEqual({ running: 0, waiting: 0 });
    expect((await login(ADMIN, "198.51.100.31")).status).toBe(200);
  });
});
