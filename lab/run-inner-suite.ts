// `npm test`'s lab step: boots a lab machine and runs the suites of inner-vitest.config.ts inside it,
// as the lingering lab user, on the systemd runtime. Writes Vitest's JSON report to
// test-results/lab-vitest.json (scripts/test.mjs counts it) and exits with Vitest's code.
// Outside CI, a host that cannot run the lab prints why and writes a report of skipped files.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
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

const started = Date.now();
const machine = await LabMachine.boot({ hostname: "lab-suites" });
let code = 1;
try {
  console.log(`lab: ${machine.hostname} (${machine.address}) booted in ${((Date.now() - started) / 1000).toFixed(1)} s (image included)`);
  const home = `/home/${LAB_USER.name}`;
  await machine.sh(`mkdir -p ${home}/tmp`, { user: true });
  const r = await machine.exec(
    [
      "node", "node_modules/vitest/vitest.mjs", "run",
      // The checkout is read-only in the machine: load the config without writing a bundled copy.
      "--configLoader", "runner",
      "--config", "lab/inner-vitest.config.ts",
      "--reporter=default", "--reporter=json", "--outputFile.json=/lab/vitest.json",
      // Extra arguments go to Vitest (a file filter, `-t NAME`): `npx tsx lab/run-inner-suite.ts systemd-runtime`.
      ...process.argv.slice(2),
    ],
    {
      user: true,
      cwd: REPO_DIR,
      stream: true,
      timeoutMs: 20 * 60_000,
      env: {
        SYSWARD_TEST_RUNTIME: "systemd",
        SYSWARD_LAB_INNER: "1",
        // Units get a private /tmp: test data dirs live in the user's home instead.
        TMPDIR: `${home}/tmp`,
        ...(process.env.CI ? { CI: process.env.CI } : {}),
        FORCE_COLOR: "0",
      },
    },
  );
  code = r.code ?? 1;
  copyFileSync(join(machine.exchangeDir, "vitest.json"), report);
} finally {
  await machine.destroy();
}
console.log(`lab: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(code);
