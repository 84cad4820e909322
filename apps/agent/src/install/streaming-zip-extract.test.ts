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
import { endRecordOf, SFX_STUB, withCommentLength } from "./testing/zip-framings";
import { DEFAULT_EXTRACT_LIMITS, extractZip, verifyStreamed, type ExtractLimits, type StreamedEntry } from "./zip-verify-extract";

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

/** Offset of the central-directory header naming `name`. */
function centralHeaderOf(zip: Buffer, name: string): number {
  for (let i = zip.length - 22; i >= 0; i--) {
    if (zip.readUInt32LE(i) !== 0x02014b50) continue;
    const len = zip.readUInt16LE(i + 28);
    if (zip.subarray(i + 46, i + 46 + len).toString() === name) return i;
  }
  throw new Error(`no central header for ${name}`);
}

const adopt = (streamed: ReadonlyMap<number, StreamedEntry>) => verifyStreamed({ zipPath, dir: dest, streamed });

let freshCount = 0;
/** extractZip of the uploaded file (or of `zip`) into a new directory, for comparison. */
async function extractFresh(label: string, zip?: Buffer): Promise<string> {
  const dir = join(work, `fresh-${++freshCount}-${label.replace(/\W+/g, "-")}`);
  const from = zip ? join(work, `${label.replace(/\W+/g, "-")}.zip`) : zipPath;
  if (zip) writeFileSync(from, zip);
  await extractZip(from, dir);
  return dir;
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
      const adopted = await adopt(entries!);
      const fresh = join(work, "fresh");
      const extracted = await extractZip(zipPath, fresh);
      expect(tree(dest)).toEqual(tree(fresh));
      expect(adopted).toEqual({ adopted: true, pkg: extracted });
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
    expect((await adopt(entries!)).adopted).toBe(true);
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
    expect(await adopt(entries!)).toEqual({ adopted: false, reason: '"a": the local header names a different file' });
  });

  it("is not adopted when it holds an entry the directory does not list (a hidden file)", async () => {
    const zip = hideFromCentralDirectory(buildZip([honest[0]!, { name: "hidden", data: "surprise" }]), "hidden");
    const { entries } = await stream(zip, 4096);
    expect(entries!.size).toBe(2);
    expect(await adopt(entries!)).toEqual({ adopted: false, reason: "1 streamed entries are not in the central directory" });
    // From scratch, only what the directory lists is extracted.
    const fresh = join(work, "fresh");
    await extractZip(zipPath, fresh);
    expect(readdirSync(fresh)).toEqual(["svc"]);
  });

  it("is not adopted when the directory declares other sizes or CRCs than the local header", async () => {
    for (const [field, offset, expected, refusedFromScratch] of [
      ["CRC", 16, /"lib\/deep\/big\.txt": not streamed as the central directory describes it \(another CRC\)/, true],
      // One byte more than the deflate stream: inflate ends before it, so from scratch it is accepted.
      ["compressed size", 20, /"lib\/deep\/big\.txt": .*\(another compressed size\)/, false],
      ["size", 24, /"lib\/deep\/big\.txt": .*\(another size\)/, true],
    ] as const) {
      rmSync(dest, { recursive: true, force: true });
      // The local headers (what streaming reads) stay honest; only the directory's copy changes.
      const zip = Buffer.from(buildZip(honest));
      const central = centralHeaderOf(zip, "lib/deep/big.txt");
      zip.writeUInt32LE((zip.readUInt32LE(central + offset) + 1) >>> 0, central + offset);
      const { entries, why } = await stream(zip, 4096);
      expect(why, field).toBeUndefined();
      const verdict = await adopt(entries!);
      expect(verdict.adopted, field).toBe(false);
      expect(!verdict.adopted && verdict.reason, field).toMatch(expected);
      // From scratch the bytes are judged against the directory alone.
      const fresh = extractZip(zipPath, join(work, `fresh-${offset}`));
      if (refusedFromScratch) await expect(fresh, field).rejects.toThrow(/lib\/deep\/big\.txt/);
      else expect((await fresh).files.has("lib/deep/big.txt"), field).toBe(true);
    }
  });

  it("is adopted when bytes follow the end record or its comment length is off by one (the directory check reads them as Python does)", async () => {
    const withComment = buildZip(honest, { comment: "built by ci" });
    for (const [label, zip] of [
      ["trailing bytes", Buffer.concat([buildZip(honest), Buffer.alloc(1000)])],
      ["comment length one too long", withCommentLength(withComment, 12)],
      ["comment length one too short", withCommentLength(withComment, 10)],
    ] as const) {
      rmSync(dest, { recursive: true, force: true });
      const { entries, why } = await stream(zip, 4096);
      expect(why, label).toBeUndefined();
      const verdict = await adopt(entries!);
      expect(verdict.adopted, label).toBe(true);
      expect(tree(dest), label).toEqual(tree(await extractFresh(label)));
    }
  });

  it("gives up on a stub in front of the archive, which then extracts from scratch", async () => {
    const { entries, why } = await stream(Buffer.concat([SFX_STUB, buildZip(honest)]), 4096);
    expect(entries).toBeUndefined();
    expect(why).toMatch(/no local header at byte 0/);
    expect((await extractZip(zipPath, join(work, "fresh"))).files).toEqual(new Set(["svc", "conf/app.json", "lib/deep/big.txt", "empty"]));
  });

  it("does not adopt entries streamed from before the archive's start, though they sit at the offsets its directory names", async () => {
    // The same entries' local records, an end-record signature (where streaming stops), then the
    // archive itself: its offsets count from its own start, which zip-framing finds after them.
    const zip = buildZip(honest);
    const copies = zip.subarray(0, zip.readUInt32LE(endRecordOf(zip) + 16));
    const stop = Buffer.alloc(22);
    stop.writeUInt32LE(0x06054b50, 0);
    const { entries, why } = await stream(Buffer.concat([copies, stop, zip]), 4096);
    expect(why).toBeUndefined();
    expect(entries!.size).toBe(honest.length);
    expect(await adopt(entries!)).toEqual({ adopted: false, reason: '"svc": not streamed' });
    expect(tree(await extractFresh("after the copies"))).toEqual(tree(await extractFresh("honest", zip)));
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
