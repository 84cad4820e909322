import { DomainError } from "../domain-error";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, lstatSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildZip, type ZipEntrySpec, type ZipOptions } from "./testing/zip-builder";
import { DEFAULT_EXTRACT_LIMITS, extractZip, type ExtractLimits } from "./zip-verify-extract";

// Layout: root/outside.txt (a sentinel) and root/pkg/versions/.partial-1/ (the destination), so
// an entry that escaped with "../" or "../../../" would land somewhere under root we can see.
let root: string;
let dest: string;
let uploads: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "sysward-zip-"));
  mkdirSync(join(root, "pkg", "versions"), { recursive: true });
  writeFileSync(join(root, "outside.txt"), "sentinel");
  dest = join(root, "pkg", "versions", ".partial-1");
  uploads = mkdtempSync(join(tmpdir(), "sysward-zip-upload-"));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(uploads, { recursive: true, force: true });
});

/** Every path under root, except the destination's own contents. */
function treeOutsideDest(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (p === dest) continue;
      out.push(relative(root, p));
      if (lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(root);
  return out.sort();
}

async function extractBytes(zip: Buffer, limits?: Partial<ExtractLimits>) {
  const zipPath = join(uploads, "upload.zip");
  writeFileSync(zipPath, zip);
  return extractZip(zipPath, dest, { ...DEFAULT_EXTRACT_LIMITS, ...limits });
}

async function expectRefused(zip: Buffer, message: RegExp, limits?: Partial<ExtractLimits>) {
  const before = treeOutsideDest();
  const err = await extractBytes(zip, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).kind).toBe("invalid-argument");
  expect((err as DomainError).message).toMatch(message);
  expect(treeOutsideDest()).toEqual(before);
  expect(readFileSync(join(root, "outside.txt"), "utf8")).toBe("sentinel");
  // The caller (the service manager) removes the partial directory on failure.
  rmSync(dest, { recursive: true, force: true });
}

const ok: ZipEntrySpec = { name: "svc", data: "#!/bin/sh\necho ok\n", mode: 0o100755 };
const zipOf = (entries: ZipEntrySpec[], opts?: ZipOptions) => buildZip(entries, opts);

describe("extractZip accepts honest packages", () => {
  it("extracts files, directories and modes (stored and deflated)", async () => {
    const res = await extractBytes(
      zipOf([
        { name: "bin/", dir: true },
        { name: "bin/server", data: "#!/bin/sh\nexec sleep 1\n", mode: 0o100755, method: "deflate" },
        { name: "conf/app.conf", data: "a=1\n", method: "store" },
        { name: "./docs/readme.txt", data: "x".repeat(10_000) },
        { name: "empty.txt", data: "" },
      ]),
    );
    expect([...res.files].sort()).toEqual(["bin/server", "conf/app.conf", "docs/readme.txt", "empty.txt"]);
    expect(readFileSync(join(dest, "bin/server"), "utf8")).toBe("#!/bin/sh\nexec sleep 1\n");
    expect(readFileSync(join(dest, "docs/readme.txt"), "utf8")).toBe("x".repeat(10_000));
    expect(statSync(join(dest, "bin/server")).mode & 0o777).toBe(0o755);
    expect(statSync(join(dest, "conf/app.conf")).mode & 0o777).toBe(0o644);
    expect(res.totalBytes).toBe(23 + 4 + 10_000);
  });

  it("accepts an archive made by the zip command-line tool", async () => {
    const src = join(uploads, "src");
    mkdirSync(join(src, "lib", "deep"), { recursive: true });
    writeFileSync(join(src, "svc"), "#!/bin/sh\n", { mode: 0o755 });
    writeFileSync(join(src, "lib", "deep", "data.bin"), Buffer.alloc(5000, 7));
    execFileSync("zip", ["-qr", join(uploads, "cli.zip"), "."], { cwd: src });
    const res = await extractZip(join(uploads, "cli.zip"), dest);
    expect(res.files).toEqual(new Set(["svc", "lib/deep/data.bin"]));
    expect(readFileSync(join(dest, "lib/deep/data.bin"))).toEqual(Buffer.alloc(5000, 7));
  });

  it("extracts entries larger than its read, inflate and write pieces byte for byte", async () => {
    // ~3.5 MiB each: several 1 MiB reads, 256 KiB inflate chunks and 1 MiB write buffers.
    const noise = Buffer.alloc(3.5 * 1024 * 1024);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const text = Buffer.from(Array.from({ length: 110_000 }, (_, i) => `log line ${i}, compressible\n`).join(""));
    await extractBytes(
      zipOf([
        { name: "noise.bin", data: noise, method: "store" },
        { name: "text.log", data: text, method: "deflate" },
      ]),
    );
    expect(readFileSync(join(dest, "noise.bin")).equals(noise)).toBe(true);
    expect(readFileSync(join(dest, "text.log")).equals(text)).toBe(true);
  });
});

describe("extractZip refuses hostile archives, naming the entry and writing nothing outside", () => {
  it.each([
    ["../evil", /"\.\.\/evil".*escapes/],
    ["a/../../evil", /"a\/\.\.\/\.\.\/evil".*escapes/],
    ["../../../outside.txt", /escapes/],
    ["/etc/evil", /"\/etc\/evil".*absolute path/],
    ["a\\..\\..\\evil", /backslash/],
    ["C:/evil", /drive letter/],
    ["C:evil", /drive letter/],
    ["a\u0000b", /control character/],
  ])("path %j", async (name, message) => {
    await expectRefused(zipOf([ok, { name, data: "pwned" }]), message);
  });

  it.each([
    ["symbolic link", 0o120777, /"link".*symbolic link/],
    ["character device", 0o020644, /"link".*character device/],
    ["block device", 0o060644, /"link".*block device/],
    ["FIFO", 0o010644, /"link".*FIFO/],
    ["socket", 0o140644, /"link".*socket/],
    ["unknown type", 0o150644, /"link".*unknown file type/],
  ])("%s entry", async (_what, mode, message) => {
    await expectRefused(zipOf([ok, { name: "link", data: "/etc/passwd", mode }]), message);
  });

  it("hard link (PKWARE Unix extra field naming a link target)", async () => {
    const field = Buffer.concat([Buffer.alloc(12), Buffer.from("svc")]);
    await expectRefused(
      zipOf([ok, { name: "hard", data: "", extra: [{ id: 0x000d, data: field }] }]),
      /"hard".*hard or symbolic link/,
    );
  });

  it("duplicate names, also after normalisation", async () => {
    await expectRefused(zipOf([ok, { name: "a.txt", data: "1" }, { name: "a.txt", data: "2" }]), /"a\.txt".*duplicate/);
    await expectRefused(zipOf([ok, { name: "a.txt", data: "1" }, { name: "./a.txt", data: "2" }]), /"\.\/a\.txt".*duplicate/);
    await expectRefused(zipOf([ok, { name: "d/", dir: true }, { name: "d", data: "2" }]), /"d".*duplicate/);
  });

  it("a file that is also a directory", async () => {
    await expectRefused(zipOf([ok, { name: "x", data: "f" }, { name: "x/y", data: "g" }]), /"x\/y".*inside "x", which is a file/);
    await expectRefused(zipOf([ok, { name: "x/y", data: "g" }, { name: "x", data: "f" }]), /"x".*both a file and a directory/);
  });

  it("more entries than the limit (10,000 by default)", async () => {
    const many: ZipEntrySpec[] = Array.from({ length: 10_001 }, (_, i) => ({ name: `f${i}`, data: "", method: "store" }));
    await expectRefused(zipOf(many), /10001 entries; the limit is 10000/);
  });

  it("total uncompressed size over the cap, by declared sizes", async () => {
    await expectRefused(
      zipOf([ok, { name: "big1", data: Buffer.alloc(600) }, { name: "big2", data: Buffer.alloc(600) }]),
      /"big2".*1000-byte limit/,
      { maxTotalBytes: 1000 },
    );
  });

  it("sizes that lie: declared small, inflates big (real bytes are counted)", async () => {
    await expectRefused(
      zipOf([ok, { name: "liar", data: Buffer.alloc(50_000, 1), size: 100, method: "deflate" }]),
      /"liar".*(size is wrong|limit|holds)/,
      { maxTotalBytes: 10_000 },
    );
  });

  it("sizes that lie: declared bigger than the data", async () => {
    await expectRefused(zipOf([ok, { name: "short", data: "abc", size: 1000, method: "deflate" }]), /"short".*(size is wrong|holds)/);
  });

  it("sizes that lie in a stored entry (both sizes)", async () => {
    await expectRefused(
      zipOf([ok, { name: "stored", data: "abcdef", size: 3, compressedSize: 3, method: "store" }]),
      /"stored".*CRC/,
    );
  });

  it("stored entry whose compressed and uncompressed sizes disagree", async () => {
    await expectRefused(zipOf([ok, { name: "stored", data: "abcdef", size: 5, method: "store" }]), /size mismatch/);
  });

  it("CRC errors", async () => {
    await expectRefused(zipOf([ok, { name: "bad", data: "hello", crc: 0x12345678 }]), /"bad".*CRC-32 mismatch/);
    await expectRefused(zipOf([ok, { name: "bad", data: "hello", crc: 1, method: "store" }]), /"bad".*CRC-32 mismatch/);
  });

  it("zip bombs (inflated/compressed ratio)", async () => {
    await expectRefused(zipOf([ok, { name: "bomb", data: Buffer.alloc(4 * 1024 * 1024) }]), /"bomb".*ratio above 100:1/, {
      maxRatio: 100,
    });
  });

  it("truncated archives", async () => {
    const full = zipOf([ok, { name: "data", data: Buffer.alloc(3000, 9) }]);
    await expectRefused(buildZip([ok], { truncate: 40 }), /not a valid ZIP/);
    await expectRefused(full.subarray(0, full.length - 30), /not a valid ZIP/);
    // End record intact, but everything it points at is cut away.
    await expectRefused(full.subarray(full.length - 22), /not a valid ZIP/);
  });

  it("files that are not ZIPs at all", async () => {
    await expectRefused(Buffer.from("#!/bin/sh\necho not a zip\n"), /not a valid ZIP/);
    await expectRefused(Buffer.alloc(0), /not a valid ZIP/);
  });

  it("empty archives", async () => {
    await expectRefused(zipOf([]), /package is empty/);
  });

  it("encrypted entries and unknown compression methods", async () => {
    await expectRefused(zipOf([ok, { name: "secret", data: "x", encrypted: true, method: "store", compressedSize: 13, size: 1 }]), /"secret".*encrypted/);
    await expectRefused(zipOf([ok, { name: "bz", data: "xyz", method: 12 }]), /"bz".*compression method 12/);
  });

  it("overlapping entries (the central directory and local header disagree on the name)", async () => {
    await expectRefused(zipOf([ok, { name: "a", localName: "b", data: "x" }]), /"a".*local header/);
  });

  it("directory entries that carry data", async () => {
    await expectRefused(zipOf([ok, { name: "d/", data: "hidden", method: "store" }]), /"d\/".*directory entry carries data/);
  });
});

describe("extractZip extracts several entries at once", () => {
  // Big, compressible-but-not-trivial entries so several are in flight when one fails.
  const big = (name: string, seed: number): ZipEntrySpec => {
    const data = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * seed + (i >> 7)) & 0xff;
    return { name, data };
  };
  const dirSnapshot = (d: string): string[] => {
    const out: string[] = [];
    const walk = (p: string) => {
      for (const n of readdirSync(p)) {
        const q = join(p, n);
        const st = lstatSync(q);
        out.push(`${relative(d, q)}:${st.isDirectory() ? "dir" : st.size}`);
        if (st.isDirectory()) walk(q);
      }
    };
    walk(d);
    return out.sort();
  };

  it("writes every file whole, with the right bytes, whatever order they finish in", async () => {
    const entries = Array.from({ length: 12 }, (_, i) => big(`data/f${i}`, i + 3));
    const res = await extractBytes(zipOf([ok, ...entries]));
    expect(res.files.size).toBe(13);
    expect(res.totalBytes).toBe(12 * 3 * 1024 * 1024 + Buffer.byteLength(String(ok.data)));
    for (const e of entries) expect(readFileSync(join(dest, e.name)).equals(e.data as Buffer)).toBe(true);
  });

  it("on a bad entry: reports the earliest, and nothing is written into the directory after it returns", async () => {
    const entries = [ok, big("a", 3), big("b", 5), { ...big("c", 7), crc: 0x1234 }, big("d", 11), big("e", 13), big("f", 17)];
    const err = await extractBytes(zipOf(entries)).then(() => undefined, (e: unknown) => e);
    expect((err as DomainError).message).toMatch(/"c".*CRC-32 mismatch/);
    const after = dirSnapshot(dest);
    await new Promise((r) => setTimeout(r, 300));
    expect(dirSnapshot(dest)).toEqual(after);
  });
});
