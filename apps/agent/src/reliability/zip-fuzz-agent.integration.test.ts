// The ZIP fuzzer over the REAL agent's socket: every damaged or hostile package is answered with a
// Connect error that says what is wrong, or installs correctly; the agent never dies, nothing is
// written outside the package dir, no staging file is left, and the version that ran before is
// still the one running after a refusal. A handful of cases (FUZZ_AGENT_RUNS); the extractor
// fuzz test runs many more in-process.
import { Code, ConnectError } from "@connectrpc/connect";
import { ServiceState } from "@sysward/proto";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installVia } from "../install/testing/install-via";
import { shellBodies, shellServiceZip } from "../install/testing/package-fixtures";
import { killPackageProcesses, runningVersions } from "../install/testing/package-processes";
import { waitFor } from "../runtime/testing/wait-for";
import { startTestAgent, type TestAgent } from "../rpc/testing/start-test-agent";
import { agentRuns, fuzzParameters } from "./testing/fuzz-settings";
import { treeSnapshot } from "./testing/tree-snapshot";
import { zip64LocatorPastMaxSafeInteger } from "./testing/zip-regressions";
import { fuzzPackage, type FuzzZip } from "./testing/zip-mutations";
import { extractZip } from "../install/zip-verify-extract";

const NAME = "fuzz";
const RUNS = agentRuns(60);
// Codes a package can honestly earn: bad archive, fails to start, too big.
const HONEST_REFUSALS = new Set([Code.InvalidArgument, Code.FailedPrecondition, Code.ResourceExhausted]);

let agent: TestAgent;
let packagesDir: string;
let current: string;

beforeAll(async () => {
  agent = await startTestAgent();
  packagesDir = join(agent.dataDir, "packages");
  const res = await installVia(agent.client(), { name: NAME, healthSeconds: 0 }, shellServiceZip(NAME, shellBodies.steady("old")));
  current = res.service!.version!.id;
});

afterAll(async () => {
  await agent?.stop();
  agent?.cleanup();
});

/** The tree around the data dir, minus files the agent or the running service rewrite on their own. */
const outsidePackage = () =>
  treeSnapshot(
    dirname(agent.dataDir),
    (rel) =>
      rel.startsWith(`data/packages/${NAME}/logs`) ||
      rel.startsWith(`data/packages/${NAME}/data`) ||
      rel.startsWith("data/history.sqlite") ||
      rel.startsWith("data/runtime/"),
  );

/** Paths, modes, sizes and a hash of the bytes of every file under dir. */
function contentTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      const rel = relative(dir, p);
      if (st.isDirectory()) {
        out.push(`${rel}/`);
        walk(p);
      } else out.push(`${rel} ${(st.mode & 0o777).toString(8)} ${st.size} ${createHash("sha256").update(readFileSync(p)).digest("hex").slice(0, 16)}`);
    }
  };
  walk(dir);
  return out.sort();
}

/** What the ZIP holds, extracted from scratch outside the agent. */
async function expectedTree(zip: Buffer): Promise<string[]> {
  const work = mkdtempSync(join(tmpdir(), "sysward-fuzz-expect-"));
  try {
    writeFileSync(join(work, "p.zip"), zip);
    await extractZip(join(work, "p.zip"), join(work, "out"));
    return contentTree(join(work, "out"));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The snapshot lines of one package's tree that a successful install may change. */
const installed = (line: string) => / (link|file)/.test(line) && /^data\/packages\/[^/]+\/(current|service\.json) /.test(line);

async function checkCase(c: FuzzZip, tally: Record<string, number>): Promise<void> {
  const before = outsidePackage();
  const outcome = await installVia(agent.client(), { name: NAME, healthSeconds: 0 }, c.zip).then(
    (res) => ({ ok: true as const, res }),
    (err: unknown) => ({ ok: false as const, err: ConnectError.from(err) }),
  );
  expect(agent.process.exitCode, `agent exited:\n${agent.output().slice(-3000)}`).toBeNull();
  expect(agent.process.signalCode).toBeNull();
  if (outcome.ok) {
    const svc = outcome.res.service!;
    expect(svc.state).toBe(ServiceState.RUNNING);
    expect(svc.version!.id).not.toBe(current);
    current = svc.version!.id;
    // What was installed is what the ZIP holds (the executable made 0755 if it was not already).
    const exe = (l: string) => (l.startsWith(`${NAME} `) || l.startsWith("bin/run ") ? l.replace(/ [0-7]{3} /, " x ") : l);
    const got = contentTree(join(packagesDir, NAME, "versions", current)).map(exe);
    const want = (await expectedTree(c.zip)).map(exe);
    expect(got, c.how.join("; ")).toEqual(want);
    tally.installed = (tally.installed ?? 0) + 1;
  } else {
    expect(HONEST_REFUSALS.has(outcome.err.code), `${Code[outcome.err.code]}: ${outcome.err.rawMessage}`).toBe(true);
    expect(outcome.err.rawMessage).toMatch(/^(package|version) /);
    tally[Code[outcome.err.code]!] = (tally[Code[outcome.err.code]!] ?? 0) + 1;
  }
  const versionsPrefix = `data/packages/${NAME}/versions/`;
  const unchanging = (lines: string[]) => lines.filter((l) => !(outcome.ok || outcome.err.code === Code.FailedPrecondition ? installed(l) || l.startsWith(versionsPrefix) : false));
  // A refused package leaves even its own package dir as it was; an install changes only versions/, current and service.json.
  expect(unchanging(outsidePackage())).toEqual(unchanging(before));
  expect(readdirSync(join(agent.dataDir, "staging"))).toEqual([]);
  const svc = (await agent.client().getService({ name: NAME })).service!;
  expect(svc.version?.id).toBe(current);
  expect(svc.state).toBe(ServiceState.RUNNING);
  await waitFor(() => runningVersions(packagesDir, NAME).join() === current, `only ${current} running`);
}

describe(`ZIP fuzzing over the agent's socket (${RUNS} cases; FUZZ_AGENT_RUNS for more)`, () => {
  it("answers every damaged or hostile package with an honest error or a correct install, and keeps running what ran", async () => {
    const tally: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(fuzzPackage(NAME, { manyEntries: true }), (c) => checkCase(c, tally)),
      // The first case is the archive that used to kill the agent (a zip64 offset past 2^53).
      { ...fuzzParameters<[FuzzZip]>(RUNS, 30_000), examples: [[zip64LocatorPastMaxSafeInteger(NAME)]] },
    );
    console.log(`zip fuzz (agent): ${RUNS} cases: ${JSON.stringify(tally)}`);
    expect(tally.InvalidArgument).toBeGreaterThan(0);
  }, 60_000 + RUNS * 3000);

  afterAll(() => killPackageProcesses(packagesDir));
});
