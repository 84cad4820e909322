// Differential property: the path every install takes first — extract while the upload
// arrives, then adopt the streamed tree when the central directory agrees (verifyStreamed),
// else extract again from scratch — must end exactly as extracting from scratch does, on the
// same damaged or hostile ZIPs: the same accepted tree (paths, sizes, modes, bytes), or both
// refused with the same message.
import fc from "fast-check";
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamingZipExtractor } from "../install/streaming-zip-extract";
import { DEFAULT_EXTRACT_LIMITS, extractZip, verifyStreamed } from "../install/zip-verify-extract";
import { extractorRuns, fuzzParameters } from "./testing/fuzz-settings";
import { basePackages, fuzzPackage, type FuzzZip } from "./testing/zip-mutations";

const RUNS = extractorRuns(150);
let root: string;
let n = 0;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "sysward-fuzz-adopt-"));
  mkdirSync(join(root, "versions"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every path under dir with its type, mode, size and a hash of its bytes. */
function fullTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      const mode = (st.mode & 0o777).toString(8);
      if (st.isDirectory()) {
        out.push(`${relative(dir, p)}/ ${mode}`);
        walk(p);
      } else if (st.isFile()) {
        out.push(`${relative(dir, p)} ${mode} ${st.size} ${createHash("sha256").update(readFileSync(p)).digest("hex").slice(0, 16)}`);
      } else out.push(`${relative(dir, p)} ODD`);
    }
  };
  walk(dir);
  return out.sort();
}

type Outcome = { ok: true; tree: string[] } | { ok: false; message: string };

const settle = (p: Promise<unknown>, dir: string): Promise<Outcome> =>
  p.then(
    () => ({ ok: true, tree: fullTree(dir) }),
    (err: unknown) => ({ ok: false, message: err instanceof Error ? err.message : String(err) }),
  );

/** What the install's stage step does: stream in chunks, adopt if the directory agrees, else extract again. */
async function streamThenAdopt(zipPath: string, zip: Buffer, dir: string, chunk: number): Promise<{ outcome: Outcome; adopted: boolean }> {
  const x = new StreamingZipExtractor(dir, DEFAULT_EXTRACT_LIMITS);
  for (let i = 0; i < zip.length; i += chunk) await x.write(zip.subarray(i, i + chunk));
  const streamed = await x.end();
  if (streamed) {
    const verdict = await verifyStreamed({ zipPath, dir, streamed });
    if (verdict.adopted) return { outcome: { ok: true, tree: fullTree(dir) }, adopted: true };
  }
  rmSync(dir, { recursive: true, force: true });
  return { outcome: await settle(extractZip(zipPath, dir), dir), adopted: false };
}

async function checkCase(c: FuzzZip, chunk: number): Promise<"adopted" | "extracted" | "refused"> {
  const zipPath = join(root, "upload.zip");
  writeFileSync(zipPath, c.zip);
  const streamDir = join(root, "versions", `.partial-stream-${++n}`);
  const freshDir = join(root, "versions", `.partial-${n}`);
  try {
    const { outcome, adopted } = await streamThenAdopt(zipPath, c.zip, streamDir, chunk);
    const fresh = await settle(extractZip(zipPath, freshDir), freshDir);
    expect(outcome, c.how.join("; ")).toEqual(fresh);
    return adopted ? "adopted" : outcome.ok ? "extracted" : "refused";
  } finally {
    rmSync(streamDir, { recursive: true, force: true });
    rmSync(freshDir, { recursive: true, force: true });
  }
}

describe(`stream-then-adopt against from-scratch extraction (${RUNS} cases; FUZZ_RUNS for more)`, () => {
  it("the honest base packages are adopted, with the tree extractZip makes", async () => {
    for (const b of basePackages("fuzz")) expect(await checkCase({ zip: b.zip, how: [b.label] }, 4096)).toBe("adopted");
  });

  it("every mutated archive ends the same both ways: the same tree, or the same refusal", async () => {
    const tally = { adopted: 0, extracted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fuzzPackage("fuzz"), fc.constantFrom(1, 13, 512, 65536), async (c, chunk) => {
        tally[await checkCase(c, chunk)]++;
      }),
      fuzzParameters(RUNS, 20_000),
    );
    console.log(`zip fuzz (stream then adopt): ${RUNS} cases, ${tally.adopted} adopted, ${tally.extracted} extracted again, ${tally.refused} refused`);
    // Some damage is harmless and some leaves the local headers intact: both paths get exercised.
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.adopted + tally.extracted).toBeGreaterThan(0);
  }, 30_000 + RUNS * 200);
});
