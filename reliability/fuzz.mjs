#!/usr/bin/env node
// `npm run fuzz -- [--runs N] [--agent-runs M] [--seed S --path P]`: the ZIP fuzz tests with many
// more cases than `npm test` runs — N in-process against the extractor (default 5000, or
// FUZZ_RUNS), M through the real agent's socket (default N/10, or FUZZ_AGENT_RUNS). A failure
// prints fast-check's seed and path; pass them back with --seed and --path to replay it.
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: process.env.FUZZ_RUNS ?? "5000" },
    "agent-runs": { type: "string", default: process.env.FUZZ_AGENT_RUNS },
    seed: { type: "string", default: process.env.FUZZ_SEED },
    path: { type: "string", default: process.env.FUZZ_PATH },
  },
});
const env = { ...process.env, FUZZ_RUNS: values.runs };
if (values["agent-runs"]) env.FUZZ_AGENT_RUNS = values["agent-runs"];
if (values.seed) env.FUZZ_SEED = values.seed;
if (values.path) env.FUZZ_PATH = values.path;
console.log(`fuzz: ${env.FUZZ_RUNS} extractor cases, ${env.FUZZ_AGENT_RUNS ?? Math.ceil(Number(env.FUZZ_RUNS) / 10)} agent cases${values.seed ? `, seed ${values.seed}` : ""}`);
const r = spawnSync("npx", ["vitest", "run", "apps/agent/src/reliability/zip-fuzz-extractor.test.ts", "apps/agent/src/reliability/zip-fuzz-agent.integration.test.ts"], {
  stdio: "inherit",
  env,
});
process.exit(r.status ?? 1);
