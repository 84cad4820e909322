// The streaming extractor on real ZIPs (hand-built, and made by Info-ZIP's `zip`), fed in chunks
// of every size, then adopted by extractZip's central-directory check — or refused adoption when
// the local headers and the directory disagree, so the caller extracts from scratch.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, lstatSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StreamingZipExtractor } from "./streaming-zip-extract";
import { buildZip, hideFromCentralDirectory, type ZipEntrySpec } from "./testing/zip-builder";
import { DEFAULT_EXTRACT_LIMITS, extractZip, StreamMismatch, type ExtractLimits } from "./zip-verify-extract";

let work: string;
let dest: string;
let zipPath: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "sysward-stream-zip-"));
  dest = join(work, "dest");
  zipPath = join(work, "upload.zip");
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

async function stream(zip: Buffer, chunkSize: number, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS) {
  writeFileSync(zipPath, zip);
  const x = new StreamingZipExtractor(dest, limits);
  for (let i = 0; i < zip.length; i += chunkSize) await x.write(zip.subarray(i, i + chunkSize));
  return { entries: await x.end(), why: x.gaveUp };
}

function tree(d: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    for (const n of readdirSync(p)) {
      const q = join(p, n);
      const st = lstatSync(q);
      out.push(`${relative(d, q)} ${st.isDirectory() ? "dir" : `${st.size} ${(st.mode & 0o777).toString(8)}`}`);
      if (st.isDirectory()) walk(q);
    }
  };
  walk(d);
  return out.sort();
}

const text = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `line ${i} of a service's file\n`).join(""));
const honest: ZipEntrySpec[] = [
  { name: "svc", data: "#!/bin/sh\nexec sleep 60\n", mode: 0o100755 },
  { name: "conf/", dir: true },
  { name: "conf/app.json", data: '{"a":1}', method: "store" },
  { name: "lib/deep/big.txt", data: text(20_000), method: "deflate" },
  { name: "empty", data: "" },
];

describe("streaming extraction, then adoption by the central-directory check", () => {
  for (const chunkSize of [1, 7, 4096, 1 << 20]) {
    it(`gives the same tree as extractZip, fed ${chunkSize}-byte chunks`, async () => {
      const zip = buildZip(honest);
      const { entries, why } = await stream(zip, chunkSize);
      expect(why).toBeUndefined();
      expect(entries!.size).toBe(honest.length);
      const adopted = await extractZip(zipPath, dest, DEFAULT_EXTRACT_LIMITS, undefined, { entries: entries! });
      const fresh = join(work, "fresh");
      const extracted = await extractZip(zipPath, fresh);
      expect(tree(dest)).toEqual(tree(fresh));
      expect(adopted).toEqual(extracted);
      expect(statSync(join(dest, "svc")).mode & 0o777).toBe(0o755); // the mode comes from the directory
      expect(readFileSync(join(dest, "lib/deep/big.txt")).equals(text(20_000))).toBe(true);
    });
  }

  it("streams what Info-ZIP's zip makes", async () => {
    const src = join(work, "src");
    mkdirSync(join(src, "bin"), { recursive: true });
    writeFileSync(join(src, "bin", "tool"), text(5000), { mode: 0o755 });
    writeFileSync(join(src, "README"), "hello\n");
    execFileSync("zip", ["-qr", zipPath, "."], { cwd: src });
    const { entries, why } = await stream(readFileSync(zipPath), 65536);
    expect(why).toBeUndefined();
    await extractZip(zipPath, dest, DEFAULT_EXTRACT_LIMITS, undefined, { entries: entries! });
    expect(statSync(join(dest, "bin/tool")).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(dest, "README"), "utf8")).toBe("hello\n");
  });

  it("gives up on data descriptors (zip -fd), leaving the archive to extractZip", async () => {
    const src = join(work, "src");
    mkdirSync(src);
    writeFileSync(join(src, "svc"), text(100));
    execFileSync("zip", ["-q", "-fd", zipPath, "svc"], { cwd: src });
    const { entries, why } = await stream(readFileSync(zipPath), 65536);
    expect(entries).toBeUndefined();
    expect(why).toMatch(/data descriptor/);
  });

  it("gives up on names it would refuse, on too many entries and on a truncated upload", async () => {
    expect((await stream(buildZip([{ name: "../evil", data: "x" }]), 100)).why).toMatch(/stopped/);
    rmSync(dest, { recursive: true, force: true });
    expect((await stream(buildZip(honest), 100, { ...DEFAULT_EXTRACT_LIMITS, maxEntries: 2 })).why).toMatch(/too many entries/);
    rmSync(dest, { recursive: true, force: true });
    const zip = buildZip(honest);
    const x = new StreamingZipExtractor(dest, DEFAULT_EXTRACT_LIMITS);
    await x.write(zip.subarray(0, 200));
    expect(await x.end()).toBeUndefined();
    expect(x.gaveUp).toMatch(/ended before the central directory/);
  });

  it("is not adopted when a local header names another file than the directory", async () => {
    const zip = buildZip([honest[0]!, { name: "a", localName: "b", data: "x" }]);
    const { entries } = await stream(zip, 4096);
    expect(entries).toBeDefined(); // locally it looks fine...
    await expect(extractZip(zipPath, dest, DEFAULT_EXTRACT_LIMITS, undefined, { entries: entries! })).rejects.toThrow(/local header names a different file/);
  });

  it("is not adopted when it holds an entry the directory does not list (a hidden file)", async () => {
    const zip = hideFromCentralDirectory(buildZip([honest[0]!, { name: "hidden", data: "surprise" }]), "hidden");
    const { entries } = await stream(zip, 4096);
    expect(entries!.size).toBe(2);
    await expect(extractZip(zipPath, dest, DEFAULT_EXTRACT_LIMITS, undefined, { entries: entries! })).rejects.toThrow(StreamMismatch);
    // From scratch, only what the directory lists is extracted.
    const fresh = join(work, "fresh");
    await extractZip(zipPath, fresh);
    expect(readdirSync(fresh)).toEqual(["svc"]);
  });

  it("is not adopted when the directory declares other sizes or CRCs than the local header", async () => {
    // buildZip writes the declared CRC into both headers; streamed bytes then fail the local CRC.
    const { why } = await stream(buildZip([honest[0]!, { name: "bad", data: "hello", crc: 0x1234 }]), 4096);
    expect(why).toMatch(/CRC differs/);
  });

  it("writes nothing after abort() resolves", async () => {
    const zip = buildZip([{ name: "big", data: text(200_000), method: "store" }, ...honest]);
    const x = new StreamingZipExtractor(dest, DEFAULT_EXTRACT_LIMITS);
    await x.write(zip.subarray(0, 1_000_000));
    await x.abort();
    const after = tree(dest);
    await new Promise((r) => setTimeout(r, 200));
    expect(tree(dest)).toEqual(after);
    expect(x.gaveUp).toBe("aborted");
  });
});
