// `npm test`: lint, typecheck, generated-code check, build, unit + integration (Vitest), the lab
// suites inside a systemd machine, e2e (Playwright).
// Runs every step even after a failure, prints one summary, exits non-zero if anything failed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";

const results = [];
const counts = { passed: 0, failed: 0, skipped: 0 };
/** Names of failed tests, repeated in the summary: CI shows only the end of the log. */
const failedTests = [];
/** Skipped tests with the reason their suite gives (in its title, "— skipped: why"). */
const skippedTests = [];
mkdirSync("test-results", { recursive: true });

function step(name, cmd, args, env = {}) {
  const started = Date.now();
  console.log(`\n=== ${name}: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  const ok = r.status === 0;
  results.push({ name, ok, seconds: Math.round((Date.now() - started) / 1000) });
  return ok;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

step("lint", "npx", ["eslint", "."]);
step("proto lint", "npm", ["run", "lint", "-w", "@sysward/proto", "--silent"]);
step("typecheck", "npm", ["run", "typecheck", "--silent"]);
step("generated code", "node", ["scripts/check-generated.mjs"]);
step("test tools", "node", ["scripts/ensure-test-tools.mjs"]);
// Built once before Vitest: the lab's machines run the agent bundle, and the real-console tests
// need `next build`'s output; the e2e stack then finds both fresh.
step("build", "npm", ["run", "build", "--silent"]);
step("unit + integration", "npx", ["vitest", "run", "--reporter=default", "--reporter=json", "--outputFile.json=test-results/vitest.json"]);
countVitest("test-results/vitest.json", "");
rmSync("test-results/lab-vitest.json", { force: true });
step("lab (inside a systemd machine)", "npx", ["tsx", "lab/run-inner-suite.ts"]);
countVitest("test-results/lab-vitest.json", "lab: ");

function countVitest(path, label) {
  const vitest = readJson(path);
  if (!vitest) return;
  if (vitest.skippedReason) skippedTests.push(`${label}every suite: ${vitest.skippedReason}`);
  counts.passed += vitest.numPassedTests ?? 0;
  counts.failed += vitest.numFailedTests ?? 0;
  counts.skipped += (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0);
  for (const file of vitest.testResults ?? []) {
    const rel = file.name.replace(`${process.cwd()}/`, "");
    for (const t of file.assertionResults ?? []) {
      if (t.status === "failed") failedTests.push(`${label}${rel} › ${t.fullName}: ${(t.failureMessages?.[0] ?? "").split("\n")[0].slice(0, 300)}`);
      if (t.status === "skipped" || t.status === "pending" || t.status === "todo") skippedTests.push(`${label}${rel} › ${t.fullName}`);
    }
  }
}

const hasSpecs = existsSync("e2e") && readdirSync("e2e").some((f) => f.endsWith(".spec.ts"));
if (hasSpecs && existsSync("playwright.config.ts")) {
  if (step("chromium", "node", ["scripts/ensure-chromium.mjs"])) {
    step("e2e", "npx", ["playwright", "test"], { PLAYWRIGHT_JSON_OUTPUT_NAME: "test-results/playwright.json" });
    const pw = readJson("test-results/playwright.json");
    if (pw?.stats) {
      counts.passed += (pw.stats.expected ?? 0) + (pw.stats.flaky ?? 0);
      counts.failed += pw.stats.unexpected ?? 0;
      counts.skipped += pw.stats.skipped ?? 0;
      const walk = (suite, path) => {
        for (const spec of suite.specs ?? []) {
          for (const t of spec.tests ?? []) {
            if (t.status === "skipped") skippedTests.push(`${spec.file} › ${[...path, spec.title].join(" › ")}${t.annotations?.find((a) => a.type === "skip")?.description ? ` — ${t.annotations.find((a) => a.type === "skip").description}` : ""}`);
            if (t.status === "unexpected") failedTests.push(`${spec.file} › ${[...path, spec.title].join(" › ")}: ${(t.results?.at(-1)?.error?.message ?? "").split("\n")[0].slice(0, 300)}`);
          }
        }
        for (const child of suite.suites ?? []) walk(child, [...path, child.title]);
      };
      for (const suite of pw.suites ?? []) walk(suite, []);
    }
  }
} else {
  console.log("\n=== e2e: skipped — no Playwright specs in e2e/ yet");
}

console.log("\n=== summary");
// Every skip by name: a skip nobody reads is a test that silently stopped running. npm test installs
// everything the suites need, so in CI, on this project's machine kind, no test may skip at all.
for (const t of skippedTests) console.log(`skipped: ${t}`);
if (process.env.CI === "true" && skippedTests.length > 0) {
  console.log(`FAIL  ${skippedTests.length} test(s) skipped in CI, where every suite can run: see "skipped:" above`);
  results.push({ name: "no skips in CI", ok: false, seconds: 0 });
}

for (const r of results) console.log(`${r.ok ? "ok  " : "FAIL"}  ${r.name} (${r.seconds} s)`);
const failedSteps = results.filter((r) => !r.ok).length;
if (failedSteps && counts.failed === 0) counts.failed = failedSteps; // a failed lint/typecheck is a failure too
for (const f of failedTests.slice(0, 10)) console.log(`failed: ${f}`);
if (failedTests.length > 10) console.log(`failed: … and ${failedTests.length - 10} more`);
console.log(`tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
