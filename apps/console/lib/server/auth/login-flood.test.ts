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
