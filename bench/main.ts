// The benchmark harness: installs the peer tools, builds the agent and the console, starts them
// (with node_exporter) on private directories and ports, runs each benchmark, stops everything,
// and writes bench/RESULTS.md after a full run. Usage: see bench/README.md.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../apps/agent/src/install/testing/package-fixtures";
import { readSection, replaceSection } from "../apps/agent/src/reliability/testing/results-section";
import { agentIdleCostBench } from "./benchmarks/agent-idle-cost";
import { browserChartsBench } from "./benchmarks/browser-charts";
import { debugVarsLoadBench } from "./benchmarks/debug-vars-load";
import { historyEncoderBench } from "./benchmarks/history-encoder";
import { installSmallBench } from "./benchmarks/install-small";
import { perfHistoryBench } from "./benchmarks/perf-history";
import { uploadBench, type UploadSizeResult } from "./benchmarks/upload";
import { uploadProfileBench } from "./benchmarks/upload-profile";
import { watchPerfFanoutBench } from "./benchmarks/watch-perf-fanout";
import { buildAgent, startAgentRig, type AgentRig } from "./lib/agent-rig";
import { ensureConsoleBuild, startConsoleRig, type ConsoleRig } from "./lib/console-rig";
import type { BenchContext } from "./lib/context";
import { seedHistory } from "./lib/history-seed";
import { installIdleServices } from "./lib/idle-services";
import { startNodeExporter } from "./lib/node-exporter";
import { benchDir, repoRoot } from "./lib/paths";
import { ensurePeerTools } from "./lib/peer-tools";
import { loadAverage } from "./lib/proc-stats";
import { ProcessSet } from "./lib/processes";
import { verdictMark, type Section } from "./lib/report";
import { summarize } from "./lib/stats";
import { fmtNumber, markdownTable } from "./lib/table";


const { values: opts } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    keep: { type: "boolean", default: false },
    rebuild: { type: "boolean", default: false },
    out: { type: "string" },
    "agent-bundle": { type: "string" },
    "baseline-agent": { type: "string" },
    "baseline-label": { type: "string" },
    help: { type: "boolean", default: false },
  },
});

const ALL = ["agent-idle-cost", "watch-perf", "perf-history", "history-encoder", "browser-charts", "debug-vars", "install-small", "upload", "upload-profile"] as const;
type BenchId = (typeof ALL)[number];

if (opts.help) {
  console.log(`npm run bench [-- --quick] [--only ${ALL.join(",")}] [--rebuild] [--keep] [--out FILE] [--agent-bundle FILE] [--baseline-agent FILE [--baseline-label TEXT]]`);
  process.exit(0);
}
const only = new Set((opts.only?.split(",").map((s) => s.trim()).filter(Boolean) ?? ALL) as BenchId[]);
for (const id of only) if (!ALL.includes(id)) throw new Error(`unknown benchmark ${id}; known: ${ALL.join(", ")}`);
if (only.has("upload-profile")) only.add("upload");

const quick = opts.quick ?? false;
const findingsFile = join(benchDir, "FINDINGS.md");
const started = new Date();
const log = (line: string) => process.stderr.write(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

const runDir = mkdtempSync(join(tmpdir(), "sysward-bench-run-"));
const logDir = join(runDir, "logs");
mkdirSync(logDir);
const procs = new ProcessSet(logDir);
const loads: number[] = [];
const loadTimer = setInterval(() => loads.push(loadAverage()[0]), 5000);
loads.push(loadAverage()[0]);

let agent: AgentRig | undefined;
let baselineAgent: AgentRig | undefined;
let consoleRig: ConsoleRig | undefined;
let cleaning: Promise<void> | undefined;
async function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    clearInterval(loadTimer);
    await agent?.stop().catch((err: unknown) => log(`stopping the agent: ${(err as Error).message}`));
    await baselineAgent?.stop().catch((err: unknown) => log(`stopping the baseline agent: ${(err as Error).message}`));
    await consoleRig?.stop().catch(() => {});
    await procs.stopAll();
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything`);
    void cleanup().finally(() => process.exit(130));
  });
}

const sections: Section[] = [];
let failed = false;
try {
  log(`${quick ? "quick" : "full"} run; run directory ${runDir}`);
  ensurePeerTools(log);
  const bundle = opts["agent-bundle"] ? resolve(opts["agent-bundle"]) : undefined;
  if (bundle) log(`measuring the agent bundle ${bundle} (not rebuilt)`);
  else {
    log("building the agent (npm run build -w @sysward/agent)");
    buildAgent();
  }
  log(`console build: ${ensureConsoleBuild(opts.rebuild ?? false, log)}`);

  const agentData = join(runDir, "agent-data");
  mkdirSync(agentData, { mode: 0o700 });
  const idleNames = Array.from({ length: 10 }, (_, i) => `idle${i}`);
  const seed = seedHistory(join(agentData, "history.sqlite"), idleNames);
  log(`seeded history: ${seed.minuteSamples} minute + ${seed.secondSamples} second samples → rows ${JSON.stringify(seed.rows)}`);

  const exporter = await startNodeExporter(procs, await freePort());
  agent = await startAgentRig(procs, { dataDir: agentData, bundle });
  // watch-perf opens 100 WatchPerf streams with one token: above the console's default per-user quota (32).
  consoleRig = await startConsoleRig(procs, { port: await freePort(), agentDataDir: agentData, consoleDataDir: join(runDir, "console-data"), env: { SYSWARD_MAX_STREAMS_PER_USER: "128" } });
  log(`agent pid ${agent.pid}, console pid ${consoleRig.pid} on ${consoleRig.baseUrl}, node_exporter pid ${exporter.pid}`);
  const idleServices = await installIdleServices(agent.client, 10);
  log(`installed ${idleServices.length} idle services`);
  // An older build beside it, for the idle cost in the same window (e.g. before a collector change).
  let baseline: BenchContext["baseline"];
  if (opts["baseline-agent"] && only.has("agent-idle-cost")) {
    const dataDir = join(runDir, "baseline-agent-data");
    mkdirSync(dataDir, { mode: 0o700 });
    baselineAgent = await startAgentRig(procs, { dataDir, bundle: resolve(opts["baseline-agent"]), label: "baseline" });
    await installIdleServices(baselineAgent.client, 10);
    baseline = { agent: baselineAgent, label: opts["baseline-label"] ?? opts["baseline-agent"] };
    log(`baseline agent ${baseline.label}: pid ${baselineAgent.pid}, 10 idle services`);
  }
  const scratchDir = join(runDir, "scratch");
  mkdirSync(scratchDir);
  const ctx: BenchContext = { quick, procs, scratchDir, runDir, agent, console: consoleRig, exporter, idleServices, log, ...(baseline && { baseline }) };

  let uploads: { base: UploadSizeResult; large: UploadSizeResult } | undefined;
  const run = async (id: BenchId, title: string, fn: () => Promise<Section>) => {
    if (!only.has(id)) return;
    log(`▶ ${title}`);
    const t0 = Date.now();
    let section: Section;
    try {
      section = await fn();
    } catch (err) {
      failed = true;
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      log(`✗ ${title} failed: ${message}`);
      section = { id, title, body: `**The benchmark failed to run:**\n\n\`\`\`\n${message}\n\`\`\``, verdicts: [{ benchmark: title, target: "runs", figure: "failed", met: false }] };
    }
    log(`✓ ${title} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    sections.push(section);
    process.stdout.write(`\n## ${section.title}\n\n${section.body}\n\n${verdictTable(section)}\n\n`);
  };
  // The idle and watcher benchmarks come first, on an agent that has served nothing heavy yet
  // (7-day history answers grow its heap for a while; see FINDINGS.md).
  await run("agent-idle-cost", "agent CPU/RSS vs node_exporter", () => agentIdleCostBench(ctx));
  await baselineAgent?.stop();
  baselineAgent = undefined;
  await run("watch-perf", "100 WatchPerf streams", () => watchPerfFanoutBench(ctx));
  await run("perf-history", "PerfHistory 7 d vs 5 min", () => perfHistoryBench(ctx));
  await run("history-encoder", "PerfHistory encoder A/B", () => historyEncoderBench(ctx));
  await run("browser-charts", "the agent page's charts in Chromium", () => browserChartsBench(ctx));
  await run("debug-vars", "/debug/vars load", () => debugVarsLoadBench(ctx));
  await run("install-small", "install 1 MB package", () => installSmallBench(ctx));
  await run("upload", "upload through the console", async () => {
    const r = await uploadBench(ctx);
    uploads = r;
    return r.section;
  });
  await run("upload-profile", "upload path profile", () => uploadProfileBench(ctx, uploads));
} catch (err) {
  failed = true;
  log(`the harness failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  log("stopping the agent, the console and node_exporter");
  await cleanup();
}

const finished = new Date();
const loadSummary = summarize(loads);
const report = renderReport();
process.stdout.write(`\n## Summary\n\n${summaryTable()}\n\nLoad average (1 min) during the run: median ${fmtNumber(loadSummary.median)}, min ${fmtNumber(loadSummary.min)}, max ${fmtNumber(loadSummary.max)} on ${cpus().length} cores.\n`);
const outFile = opts.out ?? (!quick && !opts.only && !opts["agent-bundle"] && !failed ? join(benchDir, "RESULTS.md") : undefined);
if (outFile) {
  // The soak run (npm run soak) and the fleet, rollout and alerts benchmarks (npm run bench:fleet,
  // bench:rollout, bench:alerts) own their marked sections of RESULTS.md: carry them over.
  const previous = existsSync(outFile) ? readFileSync(outFile, "utf8") : "";
  let text = report;
  for (const name of ["soak", "fleet", "rollout", "alerts"]) {
    const kept = readSection(previous, name);
    if (kept !== undefined) text = replaceSection(text, name, kept);
  }
  writeFileSync(outFile, text);
  log(`wrote ${outFile}`);
} else {
  const file = join(runDir, "RESULTS.md");
  writeFileSync(file, report);
  log(`report written to ${file} (bench/RESULTS.md is written by a full, successful run of every benchmark)`);
}
if (failed || opts.keep) log(`logs kept in ${logDir}`);
if (!opts.keep) {
  rmSync(join(runDir, "agent-data"), { recursive: true, force: true });
  rmSync(join(runDir, "console-data"), { recursive: true, force: true });
  rmSync(join(runDir, "scratch"), { recursive: true, force: true });
  if (!failed) rmSync(runDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

function verdictTable(s: Section): string {
  return markdownTable(["target", "measured", "verdict"], s.verdicts.map((v) => [`${v.benchmark}: ${v.target}`, v.figure, verdictMark(v)]));
}

function summaryTable(): string {
  return markdownTable(
    ["benchmark", "target", "measured", "verdict"],
    sections.flatMap((s) => s.verdicts.map((v) => [v.benchmark, v.target, v.figure, verdictMark(v)])),
  );
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { cwd: repoRoot, encoding: "utf8" }).trim();
  } catch {
    return "?";
  }
}

function renderReport(): string {
  const cpuModel = cpus()[0]?.model ?? "?";
  const commit = sh("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = sh("git", ["status", "--porcelain"]) !== "" ? " plus uncommitted changes in the work tree" : "";
  const command = `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
  const minutes = (finished.getTime() - started.getTime()) / 60_000;
  return [
    "# Sysward benchmark results",
    "",
    `- **Command:** \`${command}\` (${quick ? "quick" : "full"} run)`,
    `- **Date:** ${started.toISOString()} → ${finished.toISOString()} (${fmtNumber(minutes)} min)`,
    `- **Code:** commit ${commit}${dirty}`,
    `- **Machine:** ${cpus().length} × ${cpuModel}, ${fmtNumber(totalmem() / 1024 ** 3)} GiB RAM, Node ${process.version}, ${readFileSync("/proc/sys/kernel/osrelease", "utf8").trim()}`,
    `- **Load average (1 min) during the run:** median ${fmtNumber(loadSummary.median)}, min ${fmtNumber(loadSummary.min)}, max ${fmtNumber(loadSummary.max)} (sampled every 5 s) on ${cpus().length} cores.`,
    "",
    "The machine is shared: other builds and test suites ran during the benchmark, so absolute figures are noisy. " +
      "Every comparison is therefore made against a baseline measured **in the same run**, interleaved with the measurement where it can be, " +
      "and reported as medians over several rounds with their min–max. Each benchmark states its targets; a missed target says so with its figure.",
    "",
    "## Summary",
    "",
    summaryTable(),
    "",
    ...sections.flatMap((s) => [`## ${s.title}`, "", s.body, "", verdictTable(s), ""]),
    // Hand-written analysis of the figures (the profile's reading, fixes and their measured effect).
    ...(existsSync(findingsFile) ? [readFileSync(findingsFile, "utf8").trim(), ""] : []),
  ].join("\n");
}
