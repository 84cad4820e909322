import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "sysward-secret-box-"));
process.env.SYSWARD_CONSOLE_DATA_DIR = dir;
const { seal, unseal, isSealed } = await import("./secret-box");
const forgetKey = () => delete (globalThis as Record<symbol, unknown>)[Symbol.for("sysward.console.secretKey")];

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the console's secret box", () => {
  it("seals with a key of its own file (made 0600 on first use) and opens what it sealed", () => {
    const sealed = seal("agent-token-123");
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain("agent-token-123");
    expect(seal("agent-token-123")).not.toBe(sealed); // a fresh IV each time
    expect(unseal(sealed)).toBe("agent-token-123");
    const key = join(dir, "secret.key");
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(readFileSync(key)).toHaveLength(32);
  });

  it("refuses a value that was changed, and one sealed under another key, saying what to do", () => {
    const sealed = seal("agent-token-456");
    const raw = Buffer.from(sealed.slice("sealed:v1:".length), "base64");
    raw[raw.length - 1]! ^= 1;
    expect(() => unseal(`sealed:v1:${raw.toString("base64")}`)).toThrow(/does not open with the console's secret key/);
    writeFileSync(join(dir, "secret.key"), randomBytes(32));
    forgetKey();
    expect(() => unseal(sealed)).toThrow(/restore the key file this database was written with/);
  });

  it("refuses a key file that is not 32 bytes instead of using it", () => {
    writeFileSync(join(dir, "secret.key"), "short");
    forgetKey();
    expect(() => seal("x")).toThrow(/holds 5 bytes/);
  });
});
