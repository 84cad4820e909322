// The audit log through the real login route and SQLite file: a flood of unauthenticated events
// is one row with a count, what signed-in users do is a row each, and old rows go.
import { afterAll, describe, expect, it } from "vitest";
import * as loginRoute from "@/app/api/auth/login/route";
import { getDb } from "../db/database";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";
import { createUser } from "../auth/users";
import { audit, listAudit, pruneAudit } from "./audit-log";

const env = setupConsoleTestEnv({ SYSWARD_AUDIT_RETENTION_DAYS: "30" });
afterAll(() => env.cleanup());

const rows = (action: string) => getDb().prepare("SELECT username, address, repeats FROM audit_log WHERE action = ? ORDER BY id").all(action) as { username: string; address: string; repeats: number }[];

describe("the audit log", () => {
  it("collapses the same failed login from the same address into one row with a count; another address is its own row", async () => {
    await createUser({ username: "olive", password: "olive's password", role: "viewer" });
    for (let i = 0; i < 5; i++) {
      const res = await loginRoute.POST(consoleRequest("/api/auth/login", { json: { username: "olive", password: `guess ${i}` }, address: "10.7.0.1" }));
      expect([401, 429]).toContain(res.status);
    }
    await loginRoute.POST(consoleRequest("/api/auth/login", { json: { username: "olive", password: "guess x" }, address: "10.7.0.2" }));
    const failed = rows("login.failed");
    expect(failed.map((r) => [r.address, r.repeats])).toEqual([
      ["10.7.0.1", failed[0]!.repeats],
      ["10.7.0.2", 1],
    ]);
    expect(failed[0]!.repeats).toBeGreaterThanOrEqual(2); // the throttle lets only some reach the check
    expect(listAudit({ limit: 10 }).find((e) => e.action === "login.failed" && e.address === "10.7.0.1")?.repeats).toBe(failed[0]!.repeats);
  });

  it("keeps a row per event of a signed-in user", async () => {
    const u = await createUser({ username: "pia", password: "pia's password", role: "admin" });
    for (let i = 0; i < 3; i++) audit({ actor: u, address: "10.7.1.1", action: "restart", target: "web", result: "ok" });
    expect(rows("restart").map((r) => r.repeats)).toEqual([1, 1, 1]);
  });

  it("deletes rows older than SYSWARD_AUDIT_RETENTION_DAYS", () => {
    audit({ actor: null, address: null, action: "agent.enroll", target: "old", result: "failed" });
    getDb().prepare("UPDATE audit_log SET at = ? WHERE action = 'agent.enroll'").run(Date.now() - 31 * 86_400_000);
    const before = rows("restart").length;
    expect(pruneAudit()).toBe(1);
    expect(rows("agent.enroll")).toEqual([]);
    expect(rows("restart")).toHaveLength(before);
  });
});
