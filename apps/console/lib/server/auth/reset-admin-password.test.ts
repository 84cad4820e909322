// The operator's way back in: a new admin password through the real login route and SQLite file.
import { afterAll, describe, expect, it } from "vitest";
import * as loginRoute from "@/app/api/auth/login/route";
import { getDb } from "../db/database";
import { consoleRequest, sessionFrom, setupConsoleTestEnv } from "../testing/console-test-env";
import { createToken, userForToken } from "./api-tokens";
import { userForSession } from "./sessions";
import { createFirstAdmin, createUser, deleteUser, resetAdminPassword } from "./users";

const env = setupConsoleTestEnv();
afterAll(() => env.cleanup());

const login = (username: string, password: string, address: string) =>
  loginRoute.POST(consoleRequest("/api/auth/login", { json: { username, password }, address }));

describe("resetAdminPassword", () => {
  it("replaces admin's password, ends admin's sessions and revokes admin's API tokens", async () => {
    expect(await createFirstAdmin("first password")).toBe(true);
    const before = await login("admin", "first password", "10.0.0.1");
    expect(before.status).toBe(200);
    const session = sessionFrom(before);
    expect(userForSession(session)?.username).toBe("admin");
    const user = userForSession(session)!;
    const { token } = createToken(user.id, "left behind by whoever had the account");
    const other = await createUser({ username: "ops", password: "ops password", role: "admin" });
    const { token: othersToken } = createToken(other.id, "someone else's");
    expect(userForToken(token)?.username).toBe("admin");

    await resetAdminPassword("second password");
    expect(userForSession(session)).toBeNull();
    expect(userForToken(token)).toBeNull();
    expect(userForToken(othersToken)?.username).toBe("ops");
    expect((await login("admin", "first password", "10.0.0.2")).status).toBe(401);
    expect((await login("admin", "second password", "10.0.0.3")).status).toBe(200);
  });

  it("brings admin back if the account was deleted, and refuses a weak password", async () => {
    const other = await createUser({ username: "boss", password: "boss password", role: "admin" });
    expect((await login("admin", "second password", "10.0.0.4")).status).toBe(200);
    const adminId = (getDb().prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: number }).id;
    deleteUser(adminId, other.id);
    expect((await login("admin", "second password", "10.0.0.5")).status).toBe(401);
    await resetAdminPassword("third password");
    expect((await login("admin", "third password", "10.0.0.6")).status).toBe(200);
    await expect(resetAdminPassword("short")).rejects.toThrow(/at least 8/);
  });
});
