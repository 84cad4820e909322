import { DomainError } from "../domain-error";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { zip64LocatorPastMaxSafeInteger } from "../reliability/testing/zip-regressions";
import { openZipBounded } from "./bounded-zip-reader";
import { buildZip } from "./testing/zip-builder";
import { extractZip } from "./zip-verify-extract";

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), "sysward-bounded-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fds = () => readdirSync("/proc/self/fd").length;

it("reads an honest archive and closes its fd with the ZipFile", async () => {
  writeFileSync(join(dir, "a.zip"), buildZip([{ name: "a", data: "hello" }]));
  const before = fds();
  const { zip } = await openZipBounded(join(dir, "a.zip"), { lazyEntries: true, autoClose: false });
  expect(zip.entryCount).toBe(1);
  const entry = (await zip.eachEntry().next()).value!;
  const chunks: Buffer[] = [];
  for await (const c of await zip.openReadStreamPromise(entry)) chunks.push(c as Buffer);
  expect(Buffer.concat(chunks).toString()).toBe("hello");
  zip.close();
  await expect.poll(fds).toBe(before);
});

it("refuses an archive pointing past 2^53 (it used to crash the process) and leaks no fd", async () => {
  const path = join(dir, "zip64.zip");
  writeFileSync(path, zip64LocatorPastMaxSafeInteger("svc").zip);
  const before = fds();
  const err = await extractZip(path, join(dir, "out")).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).kind).toBe("invalid-argument");
  expect((err as DomainError).message).toMatch(/not a valid ZIP archive \(the archive points at bytes .* outside its \d+ bytes\)/);
  await expect.poll(fds).toBe(before);
});

it("reads a central directory bigger than its read-ahead window entry by entry, across the window's edges", async () => {
  // ~3 000 entries with long names: a ~0.5 MB directory, read in 256 KiB windows.
  const entries = Array.from({ length: 3000 }, (_, i) => ({ name: `d${i % 7}/${"n".repeat(90)}${i}`, data: `entry ${i}` }));
  writeFileSync(join(dir, "many.zip"), buildZip(entries));
  const { zip } = await openZipBounded(join(dir, "many.zip"), { lazyEntries: true, autoClose: false });
  const names: string[] = [];
  for await (const e of zip.eachEntry()) names.push(e.fileName);
  zip.close();
  expect(names).toEqual(entries.map((e) => e.name));
  const out = await extractZip(join(dir, "many.zip"), join(dir, "out"));
  expect(out.files.size).toBe(3000);
});
