import { DomainError } from "../domain-error";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prepareExecutable } from "./executable-check";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "sysward-exec-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(rel: string): Promise<string> {
  const err = await prepareExecutable(dir, rel, "test").catch((e: unknown) => e);
  expect((err as DomainError).kind).toBe("invalid-argument");
  return (err as DomainError).message;
}

describe("prepareExecutable", () => {
  it("accepts a #! script and makes it executable", async () => {
    writeFileSync(join(dir, "svc"), "#!/bin/sh\n", { mode: 0o644 });
    expect(await prepareExecutable(dir, "svc", "test")).toBe(join(dir, "svc"));
    expect(statSync(join(dir, "svc")).mode & 0o777).toBe(0o755);
  });

  it("accepts an ELF binary (a copy of this machine's node)", async () => {
    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "bin", "node"), readFileSync(process.execPath).subarray(0, 64));
    await expect(prepareExecutable(dir, "bin/node", "test")).resolves.toBe(join(dir, "bin", "node"));
  });

  it("refuses a missing file, a directory, and data that is neither ELF nor #!", async () => {
    expect(await refusal("svc")).toMatch(/no executable "svc"/);
    mkdirSync(join(dir, "svc"));
    expect(await refusal("svc")).toMatch(/"svc" is a directory/);
    writeFileSync(join(dir, "data"), "PK\x03\x04 not a program");
    expect(await refusal("data")).toMatch(/neither an ELF binary nor a script/);
    writeFileSync(join(dir, "tiny"), "#");
    expect(await refusal("tiny")).toMatch(/neither/);
  });
});
