// A package ZIP of a given size with a realistic mix: ~70 % of its bytes incompressible (random
// "assets", stored), ~30 % deflated text (log- and source-like, ~4:1), many small files in
// nested directories and a few large ones, plus sysward.json naming a `#!/bin/sh` executable
// that stays up. Built with Info-ZIP `zip` from files on disk, and cached between runs (the
// bytes do not matter, only their mix; building a 1 GB one takes a minute or two).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface MixedZip {
  path: string;
  /** Bytes of the ZIP file. */
  size: number;
  entries: number;
  /** Bytes once extracted. */
  uncompressedBytes: number;
}

const FORMAT_VERSION = 2;
const MiB = 1024 * 1024;
const defaultCacheDir = () => join(tmpdir(), "sysward-bench-cache");

const WORDS =
  "service request response agent console install package version health window stream chunk sample memory cpu load error warning info debug user token session proxy upload verify extract running stopped failed restart backoff function const return export import await async".split(
    " ",
  );

/** A PRNG so that file sizes and text are the same on every machine. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** 4 MiB of log-like text; text files are slices of it (deflate's 32 KiB window never sees the repeat). */
function textCorpus(): Buffer {
  const rnd = xorshift(0x5eed);
  const lines: string[] = [];
  let bytes = 0;
  let t = Date.UTC(2024, 0, 1);
  while (bytes < 4 * MiB) {
    t += rnd() % 5000;
    const w = () => WORDS[rnd() % WORDS.length];
    const line = `${new Date(t).toISOString()} ${w()} ${w()}=${(rnd() % 100000).toString(16)} ${w()} ${w()} id=${rnd().toString(36)} ms=${rnd() % 2000}\n`;
    lines.push(line);
    bytes += line.length;
  }
  return Buffer.from(lines.join(""));
}

/** Writes the files of a package whose ZIP will be about `targetBytes`. */
function writeSourceTree(dir: string, targetBytes: number): void {
  const rnd = xorshift(targetBytes);
  const corpus = textCorpus();
  const text = (size: number) => {
    const start = rnd() % (corpus.length - size);
    return corpus.subarray(start, start + size);
  };
  mkdirSync(join(dir, "bin"), { recursive: true });
  writeFileSync(join(dir, "bin/run"), "#!/bin/sh\n# A benchmark package: stays up until stopped.\nexec sleep 2147483647\n", { mode: 0o755 });
  writeFileSync(join(dir, "sysward.json"), JSON.stringify({ exec: "bin/run" }));

  // Text deflates ~4:1 (as zip -6 does this corpus), so 30 % of the ZIP's bytes is ~1.2× the target in text.
  let textLeft = Math.round(targetBytes * 0.3 * 4);
  let randomLeft = Math.round(targetBytes * 0.7);
  // Many small source-like files (~5 % of the text) in nested directories.
  let smallLeft = Math.round(textLeft * 0.05);
  for (let i = 0; smallLeft > 0; i++) {
    const size = Math.min(smallLeft, 1024 + (rnd() % (31 * 1024)));
    const sub = join(dir, "lib", `m${i % 37}`, `d${i % 11}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${i}.js`), text(size));
    smallLeft -= size;
    textLeft -= size;
  }
  mkdirSync(join(dir, "logs"), { recursive: true });
  for (let i = 0; textLeft > 0; i++) {
    const size = Math.min(textLeft, (1 + (rnd() % 8)) * MiB);
    writeFileSync(join(dir, "logs", `part${i}.log`), text(size));
    textLeft -= size;
  }
  // Incompressible assets: a few medium, the rest large. `.bin` is stored (zip -n .bin).
  mkdirSync(join(dir, "assets"), { recursive: true });
  for (let i = 0; randomLeft > 0; i++) {
    const size = Math.min(randomLeft, i < 40 ? 64 * 1024 + (rnd() % MiB) : 4 * MiB + (rnd() % (8 * MiB)));
    writeFileSync(join(dir, "assets", `blob${i}.bin`), randomBytes(size));
    randomLeft -= size;
  }
}

/** The cached mixed ZIP of about `targetBytes`, built first if needed. */
export function mixedZip(targetBytes: number, cacheDir = defaultCacheDir(), log: (s: string) => void = () => {}): MixedZip {
  mkdirSync(cacheDir, { recursive: true });
  const label = `mixed-${Math.round(targetBytes / MiB)}MiB-v${FORMAT_VERSION}`;
  const zipPath = join(cacheDir, `${label}.zip`);
  const metaPath = join(cacheDir, `${label}.json`);
  if (existsSync(zipPath) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as MixedZip;
    if (meta.size === statSync(zipPath).size) return { ...meta, path: zipPath };
  }
  log(`building ${zipPath} (once; cached for later runs)`);
  const src = join(cacheDir, `${label}.src`);
  const partial = `${zipPath}.partial`;
  rmSync(src, { recursive: true, force: true });
  rmSync(partial, { force: true });
  try {
    writeSourceTree(src, targetBytes);
    const r = spawnSync("zip", ["-q", "-r", "-n", ".bin", partial, "."], { cwd: src, stdio: "inherit", timeout: 30 * 60_000 });
    if (r.status !== 0) throw new Error(`zip exited ${r.status ?? r.signal} while building ${zipPath}`);
    const list = spawnSync("unzip", ["-Z", "-t", partial], { encoding: "utf8" }).stdout;
    // "1234 files, 5678 bytes uncompressed, 910 bytes compressed:  83.9%"
    const m = /(\d+) files?, (\d+) bytes uncompressed/.exec(list);
    if (!m) throw new Error(`cannot read the summary of ${partial}: ${list}`);
    renameSync(partial, zipPath);
    const meta: MixedZip = { path: zipPath, size: statSync(zipPath).size, entries: Number(m[1]), uncompressedBytes: Number(m[2]) };
    writeFileSync(metaPath, JSON.stringify(meta));
    return meta;
  } finally {
    rmSync(src, { recursive: true, force: true });
    rmSync(partial, { force: true });
  }
}
