import { closeSync, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isLargerThan, rotateIfLarger } from "./log-rotator";

describe("log rotator (copytruncate)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "sysward-rotate-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("leaves a small file alone", async () => {
    const log = join(dir, "stdout.log");
    await writeFile(log, "short\n");
    expect(await rotateIfLarger(log, 100, 3)).toBe(false);
    expect(readFileSync(log, "utf8")).toBe("short\n");
    expect(await rotateIfLarger(join(dir, "missing.log"), 100, 3)).toBe(false);
    // The supervisor's cheap check before it: past the limit only when it is.
    expect([isLargerThan(log, 100), isLargerThan(log, 5), isLargerThan(join(dir, "missing.log"), 0)]).toEqual([false, true, false]);
  });

  it("shifts generations, keeps N, and an O_APPEND writer goes on at the start of the emptied file", async () => {
    const log = join(dir, "stdout.log");
    const fd = openSync(log, "a"); // how the supervisor hands the file to a service
    try {
      for (const gen of ["one", "two", "three", "four"]) {
        writeSync(fd, `${gen}\n`.repeat(20));
        expect(await rotateIfLarger(log, 10, 2)).toBe(true);
      }
      writeSync(fd, "five\n");
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(`${log}.1`, "utf8")).toBe("four\n".repeat(20));
    expect(readFileSync(`${log}.2`, "utf8")).toBe("three\n".repeat(20));
    expect(existsSync(`${log}.3`)).toBe(false);
    // No hole of NUL bytes where the old content was: appends follow the truncation.
    expect(readFileSync(log, "utf8")).toBe("five\n");
  });

  it("with keep 0 only truncates", async () => {
    const log = join(dir, "stdout.log");
    await writeFile(log, "x".repeat(50));
    expect(await rotateIfLarger(log, 10, 0)).toBe(true);
    expect(readFileSync(log, "utf8")).toBe("");
    expect(existsSync(`${log}.1`)).toBe(false);
  });
});
