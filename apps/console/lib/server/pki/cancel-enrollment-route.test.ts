// DELETE /api/enrollments/<id> in-process, on a real SQLite file: a cancelled enrollment's token
// is refused by /api/enroll and the enrollment leaves the pending list; used, unknown and
// malformed ids are refused with honest statuses; only admins (from this console's pages) may.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as enrollRoute from "@/app/api/enroll/route";
import * as cancelRoute from "@/app/api/enrollments/[id]/route";
import * as enrollmentsRoute from "@/app/api/enrollments/route";
import { listAudit } from "../audit/audit-log";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { getDb } from "../db/database";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";
import { claimEnrollment, createEnrollment, usableEnrollment } from "./enrollment";

const env = setupConsoleTestEnv();
let adminId: number;
let admin: string;
let viewer: string;

beforeAll(async () => {
  adminId = (await createUser({ username: "admin1", password: "admin password", role: "admin" })).id;
  admin = createSession(adminId, null).id;
  viewer = createSession((await createUser({ username: "viewer1", password: "viewer password", role: "viewer" })).id, null).id;
});
afterAll(() => env.cleanup());

const newEnrollment = (agentId: string, ttlMs = 60 * 60_000) => createEnrollment({ agentId, name: agentId.toUpperCase(), createdBy: adminId, ttlMs });

function cancel(id: string | number, opts: { session?: string; origin?: string | null } = { session: admin }) {
  return cancelRoute.DELETE(consoleRequest(`/api/enrollments/${id}`, { method: "DELETE", ...opts }), { params: Promise.resolve({ id: String(id) }) });
}

async function pendingIds(): Promise<number[]> {
  const res = await enrollmentsRoute.GET(consoleRequest("/api/enrollments", { session: admin }));
  expect(res.status).toBe(200);
  return ((await res.json()) as { enrollments: Array<{ id: number }> }).enrollments.map((e) => e.id);
}

describe("cancelling an enrollment", () => {
  it("an admin cancels a pending one: its token is refused and it leaves the list", async () => {
    const { token, enrollment } = newEnrollment("box-one");
    const other = newEnrollment("box-two");
    expect(await pendingIds()).toEqual(expect.arrayContaining([enrollment.id, other.enrollment.id]));

    const res = await cancel(enrollment.id);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, enrollment: { id: enrollment.id, agentId: "box-one", name: "BOX-ONE" } });

    const pending = await pendingIds();
    expect(pending).not.toContain(enrollment.id);
    expect(pending).toContain(other.enrollment.id); // only the one asked for
    expect(usableEnrollment(token)).toBeNull();
    const enroll = await enrollRoute.POST(consoleRequest("/api/enroll", { json: { token }, origin: null }));
    expect(enroll.status).toBe(401);
    expect(listAudit({ limit: 5 }).find((e) => e.action === "enrollment.cancel")).toMatchObject({ username: "admin1", target: "box-one", result: "ok", detail: `#${enrollment.id} "BOX-ONE"` });

    // Twice: the second finds nothing.
    const again = await cancel(enrollment.id);
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: string }).error).toContain(`#${enrollment.id}`);
  });

  it("an expired one can be cancelled too (it stays listed, marked expired, until then)", async () => {
    const { enrollment } = newEnrollment("box-late");
    getDb().prepare("UPDATE enrollments SET expires_at = ? WHERE id = ?").run(Date.now() - 1, enrollment.id);
    expect(await pendingIds()).toContain(enrollment.id);
    expect((await cancel(enrollment.id)).status).toBe(200);
    expect(await pendingIds()).not.toContain(enrollment.id);
  });

  it("a used one is refused with 409 and kept: the machine is removed instead", async () => {
    const { enrollment } = newEnrollment("box-used");
    expect(claimEnrollment(enrollment.id)).toBe(true);
    const res = await cancel(enrollment.id);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toMatch(/already used.*remove that machine/);
    expect(getDb().prepare("SELECT used_at FROM enrollments WHERE id = ?").get(enrollment.id)).toEqual({ used_at: expect.any(Number) });
    expect(listAudit({ limit: 1 })[0]).toMatchObject({ action: "enrollment.cancel", target: "box-used", result: "failed" });
  });

  it("refuses ids that are not ids, and ids nobody made", async () => {
    for (const bad of ["abc", "0", "-1", "1.5"]) expect((await cancel(bad)).status).toBe(400);
    expect((await cancel(987654)).status).toBe(404);
  });

  it("only admins, only from this console's pages", async () => {
    const { token, enrollment } = newEnrollment("box-guarded");
    expect((await cancel(enrollment.id, { session: viewer })).status).toBe(403);
    expect((await cancel(enrollment.id, {})).status).toBe(401);
    expect((await cancel(enrollment.id, { session: admin, origin: null })).status).toBe(403); // a cookie without our Origin
    expect((await cancel(enrollment.id, { session: admin, origin: "https://evil.example" })).status).toBe(403);
    expect(listAudit({ limit: 10 }).some((e) => e.action === "access.denied" && e.target === `cancel enrollment ${enrollment.id}`)).toBe(true);
    // Nothing of that changed it.
    expect(usableEnrollment(token)).toMatchObject({ id: enrollment.id });
  });
});
