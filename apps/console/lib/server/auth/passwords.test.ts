import { describe, expect, it } from "vitest";
import { hashPassword, passwordProblem, randomPassword, verifyPassword } from "./passwords";

describe("passwords", () => {
  it("hash with a per-user salt and verify only the right password", async () => {
    const a = await hashPassword("same password");
    const b = await hashPassword("same password");
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("same password");
    expect(await verifyPassword("same password", a)).toBe(true);
    expect(await verifyPassword("same passwort", a)).toBe(false);
    expect(await verifyPassword("same password", "not-a-hash")).toBe(false);
  });

  it("random passwords are long, URL-safe and different", () => {
    const p = randomPassword();
    expect(p).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(randomPassword()).not.toBe(p);
    expect(passwordProblem(p)).toBeNull();
    expect(passwordProblem("short")).toMatch(/at least 8/);
  });
});
