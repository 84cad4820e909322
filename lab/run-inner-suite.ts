// `npm test`'s lab step: boots a lab machine and runs the suites of inner-vitest.config.ts inside it,
// twice: as the lingering lab user (user units; test agents on the systemd runtime), then as root
// (system units, each service under its own uid). Writes Vitest's JSON reports, merged, to
// test-results/lab-vitest.json (scripts/test.mjs counts it) and exits non-zero if either run failed.
// Outside CI, a host that cannot run the lab prints why and writes a report of skipped files.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { labSkipReason } from "./src/availability";
import { LabMachine } from "./src/machine";
import { LAB_USER, REPO_DIR } from "./src/settings";

const report = join(REPO_DIR, "test-results", "lab-vitest.json");
mkdirSync(join(REPO_DIR, "test-results"), { recursive: true });

const skip = labSkipReason();
if (skip) {
  console.log(`lab: skipped — ${skip}`);
  writeFileSync(report, JSON.stringify({ skippedReason: skip }));
  process.exit(0);
}

interface Pass {
  label: string;
  asUser: boolean;
  env: { TMPDIR: string } & Record<string, string>;
}

const PASSES: Pass[] = [
  // Units get a private /tmp: the test agents' data dirs live in the user's home instead.
  { label: `as ${LAB_USER.name} (user units)`, asUser: true, env: { TMPDIR: `/home/${LAB_USER.name}/tmp` } },
  // TMPDIR stays /tmp: these suites keep running services' files under ~/.cache, and the unit-file
  // tests' offline systemd runs as nobody, who cannot enter /root.
  { label: "as root (system units)", asUser: false, env: { TMPDIR: "/tmp", SYSWARD_LAB_INNER_AS: "root" } },
];

/** Vitest's JSON report, as far as scripts/test.mjs reads it. */
interface VitestReport {
  numPassedTests?: number;
  numFailedTests?: number;
  numPendingTests?: number;
  numTodoTests?: number;
  numTotalTests?: number;
  success?: boolean;
  testResults?: Array<{ name: string }>;
}

const started = Date.now();
const machine = await LabMachine.boot({ hostname: "lab-suites" });
const reports: VitestReport[] = [];
let code = 0;
try {
  console.log(`lab: ${machine.hostname} (${machine.address}) booted in ${((Date.now() - started) / 1000).toFixed(1)} s (image included)`);
  for (const [i, pass] of PASSES.entries()) {
    console.log(`\nlab: suites ${pass.label}`);
    await machine.sh(`mkdir -p ${pass.env.TMPDIR}`, { user: pass.asUser });
    const out = `vitest-${i}.json`;
    rmSync(join(machine.exchangeDir, out), { force: true });
    const r = await machine.exec(
      [
        "node", "node_modules/vitest/vitest.mjs", "run",
        // The checkout is read-only in the machine: load the config without writing a bundled copy.
        "--configLoader", "runner",
        "--config", "lab/inner-vitest.config.ts",
        "--reporter=default", "--reporter=json", `--outputFile.json=/lab/${out}`,
        // Extra arguments go to Vitest (a file filter, `-t NAME`): `npx tsx lab/run-inner-suite.ts systemd-runtime`.
        // A filter may match nothing in the root run's smaller set.
        ...(process.argv.length > 2 ? ["--passWithNoTests"] : []),
        ...process.argv.slice(2),
      ],
      {
        user: pass.asUser,
        cwd: REPO_DIR,
        stream: true,
        timeoutMs: 20 * 60_000,
        env: {
          SYSWARD_TEST_RUNTIME: "systemd",
          SYSWARD_LAB_INNER: "1",
          ...pass.env,
          ...(process.env.CI ? { CI: process.env.CI } : {}),
          FORCE_COLOR: "0",
        },
      },
    );
    if (r.code !== 0) code = r.code ?? 1;
    const json = readReport(join(machine.exchangeDir, out));
    // The same files run in both passes: the root run's are told apart by name.
    if (json) reports.push(i === 0 ? json : { ...json, testResults: json.testResults?.map((t) => ({ ...t, name: `${t.name} [${pass.label}]` })) });
  }
  writeFileSync(report, JSON.stringify(merge(reports)));
} finally {
  await machine.destroy();
}
console.log(`lab: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(code);

function readReport(path: string): VitestReport | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as VitestReport;
  } catch {
    return undefined;
  }
}

function merge(all: VitestReport[]): VitestReport {
  const sum = (k: "numPassedTests" | "numFailedTests" | "numPendingTests" | "numTodoTests" | "numTotalTests") => all.reduce((n, r) => n + (r[k] ?? 0), 0);
  return {
    numPassedTests: sum("numPassedTests"),
    numFailedTests: sum("numFailedTests"),
    numPendingTests: sum("numPendingTests"),
    numTodoTests: sum("numTodoTests"),
    numTotalTests: sum("numTotalTests"),
    success: all.every((r) => r.success !== false),
    testResults: all.flatMap((r) => r.testResults ?? []),
  };
}
