// Property: whatever is done to a package ZIP, the extractor either refuses it with a Connect
// InvalidArgument naming what is wrong, or extracts exactly what it reports, all of it inside
// the destination — never another kind of error, never a hang, never a file outside, never a
// leaked file descriptor. Cases run in-process (milliseconds each); zip-fuzz-agent.integration
// sends a smaller number through the real agent. More cases: `npm run fuzz`.
import { DomainError } from "../domain-error";
import fc from "fast-check";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_EXTRACT_LIMITS, extractZip } from "../install/zip-verify-extract";
import { extractorRuns, fuzzParameters } from "./testing/fuzz-settings";
import { fdCount, fdTargets, settledFdCount } from "./testing/proc-usage";
import { treeSnapshot } from "./testing/tree-snapshot";
import { basePackages, fuzzPackage, type FuzzZip } from "./testing/zip-mutations";

const RUNS = extractorRuns(400);
let root: string;
let outsideBefore: string[];
let n = 0;

beforeAll(() => {
  // root/outside.txt, root/pkg/versions/.partial-N (the destination), root/upload.zip: an entry
  // that escaped with "../" would land somewhere under root where the snapshot sees it.
  root = mkdtempSync(join(tmpdir(), "sysward-fuzz-"));
  mkdirSync(join(root, "pkg", "versions"), { recursive: true });
  writeFileSync(join(root, "outside.txt"), "sentinel");
  outsideBefore = outside();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const outside = () => treeSnapshot(root, (rel) => rel === "upload.zip" || rel.startsWith("pkg/versions/"));

/** Every path under dir, split into regular files and directories; anything else is a failure. */
function extractedTree(dir: string): { files: string[]; dirs: string[]; odd: string[] } {
  const files: string[] = [];
  const dirs: string[] = [];
  const odd: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const rel = relative(dir, p);
      const st = lstatSync(p);
      if (st.isDirectory()) {
        dirs.push(rel);
        walk(p);
      } else if (st.isFile()) files.push(rel);
      else odd.push(rel);
    }
  };
  walk(dir);
  return { files: files.sort(), dirs: dirs.sort(), odd };
}

/** Checks one case; returns the outcome for the tally. */
async function checkCase(c: FuzzZip): Promise<"extracted" | "refused"> {
  const zipPath = join(root, "upload.zip");
  writeFileSync(zipPath, c.zip);
  const dest = join(root, "pkg", "versions", `.partial-${++n}`);
  try {
    const res = await extractZip(zipPath, dest, DEFAULT_EXTRACT_LIMITS).then(
      (r) => ({ ok: true as const, r }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    expect(outside()).toEqual(outsideBefore);
    if (!res.ok) {
      // A clear refusal: InvalidArgument, one line that says what is wrong with the package.
      if (!(res.err instanceof DomainError)) throw new Error(`not a DomainError: ${String(res.err)}`, { cause: res.err });
      expect(res.err.kind).toBe("invalid-argument");
      expect(res.err.message).toMatch(/^package (entry "|is |has )/);
      expect(res.err.message.length, res.err.message).toBeLessThan(600);
      return "refused";
    }
    const tree = extractedTree(dest);
    expect(tree.odd).toEqual([]);
    expect(tree.files).toEqual([...res.r.files].sort());
    expect(tree.dirs).toEqual([...res.r.dirs].sort());
    return "extracted";
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
}

describe(`ZIP fuzzing against the extractor (${RUNS} cases; FUZZ_RUNS for more)`, () => {
  it("the honest base packages extract (the mutations start from something valid)", async () => {
    for (const b of basePackages("fuzz")) expect(await checkCase({ zip: b.zip, how: [b.label] })).toBe("extracted");
  });

  it("every damaged or hostile archive is refused with a clear InvalidArgument or extracted wholly inside, leaking no fd", async () => {
    const fdsBefore = fdCount(process.pid);
    const tally = { extracted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fuzzPackage("fuzz", { manyEntries: true }), async (c) => {
        tally[await checkCase(c)]++;
      }),
      fuzzParameters(RUNS, 20_000),
    );
    console.log(`zip fuzz (extractor): ${RUNS} cases, ${tally.refused} refused, ${tally.extracted} extracted`);
    // Most cases are damage that must be refused; some damage is harmless (a date, a flag).
    expect(tally.refused).toBeGreaterThan(RUNS / 2);
    const fdsAfter = await settledFdCount(process.pid, fdsBefore);
    expect(fdsAfter, `fds now: ${fdTargets(process.pid).join(", ")}`).toBeLessThanOrEqual(fdsBefore);
  }, 30_000 + RUNS * 100);
});
