import { DomainError } from "../domain-error";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeStagingFile } from "./staging-writer";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "sysward-staging-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function* chunksOf(...parts: Array<string | Uint8Array>): AsyncIterable<Uint8Array> {
  for (const p of parts) yield typeof p === "string" ? Buffer.from(p) : p;
}

describe("writeStagingFile", () => {
  it("writes the chunks to a 0600 file and returns their sha256 and size", async () => {
    const path = join(dir, "p.zip");
    const seen: number[] = [];
    const res = await writeStagingFile(chunksOf("hello ", new Uint8Array(0), "world"), path, {
      maxBytes: 100,
      onChunk: (n) => seen.push(n),
    });
    expect(readFileSync(path, "utf8")).toBe("hello world");
    expect(res).toEqual({ path, sizeBytes: 11, sha256: createHash("sha256").update("hello world").digest("hex") });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(seen).toEqual([6, 11]);
  });

  it("stops at the cap with ResourceExhausted and removes the partial file", async () => {
    const path = join(dir, "p.zip");
    let pulled = 0;
    async function* endless() {
      while (true) {
        pulled++;
        yield Buffer.alloc(1000);
      }
    }
    const err = await writeStagingFile(endless(), path, { maxBytes: 4500 }).catch((e: unknown) => e);
    expect((err as DomainError).kind).toBe("resource-exhausted");
    expect((err as DomainError).message).toMatch(/4500-byte limit/);
    expect(pulled).toBe(5);
    expect(existsSync(path)).toBe(false);
  });

  it("removes the partial file when the upload breaks off", async () => {
    const path = join(dir, "p.zip");
    async function* broken() {
      yield Buffer.from("part");
      throw new Error("client went away");
    }
    await expect(writeStagingFile(broken(), path, { maxBytes: 100 })).rejects.toThrow("client went away");
    expect(existsSync(path)).toBe(false);
  });

  it("never overwrites an existing file", async () => {
    const path = join(dir, "p.zip");
    await writeStagingFile(chunksOf("one"), path, { maxBytes: 100 });
    await expect(writeStagingFile(chunksOf("two"), path, { maxBytes: 100 })).rejects.toThrow(/EEXIST/);
    expect(readFileSync(path, "utf8")).toBe("one");
  });
});

describe("a declared size (size_bytes)", () => {
  it("is held to: fewer or more bytes than declared is InvalidArgument, and nothing stays staged", async () => {
    for (const [declared, body] of [[12, "hello world"], [5, "hello world"]] as const) {
      const path = join(dir, `declared-${declared}.part`);
      const err = await writeStagingFile(chunksOf(body), path, { maxBytes: 1000, declaredBytes: declared }).then(
        () => undefined,
        (e: unknown) => e as DomainError,
      );
      expect(err?.kind).toBe("invalid-argument");
      expect(err?.message).toMatch(new RegExp(`declared as ${declared} bytes`));
      expect(existsSync(path)).toBe(false);
    }
    const ok = await writeStagingFile(chunksOf("hello world"), join(dir, "exact.part"), { maxBytes: 1000, declaredBytes: 11 });
    expect(ok.sizeBytes).toBe(11);
  });
});
