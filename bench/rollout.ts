// `npm run bench:rollout [-- --machines N --health S]`: the console-side overhead of a rollout.
// The real console (production build, scripts/start.mjs) and its real local agent, plus N
// simulated machines (lib/fleet-sim.ts in its own process: the real AgentService over one Unix
// socket each; its Install reads and hashes the package, waits out the health window, and reports
// the new version). One 1 MiB package is rolled out to all N with canary 1 then batches of 10 %.
// Measured: the rollout's wall time against the sum of its waves' health windows (what a perfect
// console would take), the overhead per wave (a wave's first start to its last finish, minus the
// window, plus the gap to the next wave), and the console's CPU and RSS during the rollout against
// the same console idle with the same fleet over a window as long (same run).
// Writes its section of bench/RESULTS.md (<!-- rollout:start -->…) after a default run.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../apps/agent/src/install/testing/package-fixtures";
import { buildZip } from "../apps/agent/src/install/testing/zip-builder";
import type { RolloutDetail } from "../apps/console/lib/shared/rollout-types";
import { buildAgent, startAgentRig, type AgentRig } from "./lib/agent-rig";
import { ensureConsoleBuild, startConsoleRig, type ConsoleRig } from "./lib/console-rig";
import { benchDir, repoRoot } from "./lib/paths";
import { cpuSeconds, loadAverage, observeWindow, sampleRss, type WindowUsage } from "./lib/proc-stats";
import { ProcessSet, sleep } from "./lib/processes";
import { endSectionRun } from "./lib/section-run";
import { median, summarize } from "./lib/stats";
import { fmtMB, fmtMs, fmtNumber, markdownTable } from "./lib/table";

const { values: opts } = parseArgs({ options: { machines: { type: "string" }, health: { type: "string" }, rebuild: { type: "boolean", default: false } } });
const N = Number(opts.machines ?? 100);
const HEALTH_S = Number(opts.health ?? 2);
if (!Number.isInteger(N) || N < 2 || !Number.isInteger(HEALTH_S) || HEALTH_S < 0) throw new Error("--machines: a whole number ≥ 2; --health: whole seconds");
const SIM_TOKEN = "rollout-sim-token";
const started = new Date();
const log = (line: string) => process.stderr.write(`[rollout ${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
const runDir = mkdtempSync(join(process.env.TMPDIR ?? "/tmp", "sysward-bench-rollout-"));
const simDir = join(runDir, "sim");
mkdirSync(simDir);
const logDir = join(runDir, "logs");
mkdirSync(logDir);
const procs = new ProcessSet(logDir);
const loads: number[] = [loadAverage()[0]];
const loadTimer = setInterval(() => loads.push(loadAverage()[0]), 5000);
const simId = (i: number) => `sim-${i}`;

async function api(c: ConsoleRig, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${c.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${c.apiToken}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
}

async function registerAll(c: ConsoleRig): Promise<void> {
  const queue = Array.from({ length: N }, (_, i) => i);
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const res = await api(c, "POST", "/api/agents", { id: simId(i), name: `Sim ${String(i).padStart(4, "0")}`, address: `unix://${join(simDir, `m${i}.sock`)}`, credential: { kind: "token", token: SIM_TOKEN } });
        if (res.status !== 201) throw new Error(`registering ${simId(i)}: ${res.status} ${await res.text()}`);
        const lab = await api(c, "PATCH", `/api/agents/${simId(i)}/labels`, { set: { role: "sim" } });
        if (lab.status !== 200) throw new Error(`labelling ${simId(i)}: ${lab.status} ${await lab.text()}`);
      }
    }),
  );
  for (const deadline = Date.now() + 120_000; ; await sleep(500)) {
    const { agents } = (await (await api(c, "GET", "/api/agents")).json()) as { agents: Array<{ id: string; state?: string }> };
    if (agents.filter((a) => a.id.startsWith("sim-") && a.state === "up").length === N) return;
    if (Date.now() > deadline) throw new Error("the simulated machines were not all up within 120 s");
  }
}

interface Measured {
  wallMs: number;
  healthSumMs: number;
  waves: number;
  /** Per wave: its span minus the health window, plus the gap before the next wave. */
  overheadPerWaveMs: number[];
  usage: WindowUsage;
  rssDuring: number[];
}

async function rollOut(c: ConsoleRig): Promise<Measured> {
  const zip = buildZip([{ name: "web", data: `#!/bin/sh\nexec sleep infinity\n`, mode: 0o100755 }, { name: "payload.bin", data: randomBytes(1024 * 1024) }]);
  const form = new FormData();
  for (const [k, v] of [["name", "web"], ["selector", "role=sim"], ["canary", "1"], ["batch", "10%"], ["healthSeconds", String(HEALTH_S)]]) form.append(k!, v!);
  form.append("package", new Blob([new Uint8Array(zip)], { type: "application/zip" }), "web.zip");
  const rss = sampleRss(() => [c.pid], 1000);
  const cpu0 = cpuSeconds(c.pid);
  const t0 = performance.now();
  const res = await fetch(`${c.baseUrl}/api/rollouts`, { method: "POST", headers: { authorization: `Bearer ${c.apiToken}` }, body: form });
  if (res.status !== 201) throw new Error(`starting the rollout: ${res.status} ${await res.text()}`);
  const { rollout } = (await res.json()) as { rollout: RolloutDetail };
  let r = rollout;
  while (["running", "reverting", "awaiting-approval"].includes(r.state)) {
    await sleep(250);
    r = ((await (await api(c, "GET", `/api/rollouts/${rollout.id}`)).json()) as { rollout: RolloutDetail }).rollout;
  }
  const wallMs = performance.now() - t0;
  const wallS = wallMs / 1000;
  const usage: WindowUsage = { seconds: wallS, cpuPct: { console: ((cpuSeconds(c.pid) - cpu0) / wallS) * 100 }, rss: { console: rss.stop().samples } };
  if (r.state !== "succeeded") throw new Error(`the rollout ended ${r.state}: ${r.reason}`);
  const waves = Math.max(...r.hosts.map((h) => h.wave)) + 1;
  const overheadPerWaveMs: number[] = [];
  for (let w = 0; w < waves; w++) {
    const hosts = r.hosts.filter((h) => h.wave === w);
    const start = Math.min(...hosts.map((h) => h.startedAt!));
    const end = Math.max(...hosts.map((h) => h.finishedAt!));
    const next = r.hosts.filter((h) => h.wave === w + 1);
    const gap = next.length ? Math.min(...next.map((h) => h.startedAt!)) - end : 0;
    overheadPerWaveMs.push(end - start - HEALTH_S * 1000 + gap);
  }
  log(`rollout ${r.id}: ${N} machines in ${waves} waves, ${fmtMs(wallMs)} (health windows ${waves * HEALTH_S} s)`);
  return { wallMs, healthSumMs: waves * HEALTH_S * 1000, waves, overheadPerWaveMs, usage, rssDuring: usage.rss.console! };
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything`);
    void procs.stopAll().finally(() => process.exit(130));
  });
}

let failed = false;
let agent: AgentRig | undefined;
let idle: WindowUsage | undefined;
let measured: Measured | undefined;
try {
  buildAgent();
  log(`console build: ${ensureConsoleBuild(opts.rebuild ?? false, log)}`);
  const agentData = join(runDir, "agent-data");
  mkdirSync(agentData, { mode: 0o700 });
  agent = await startAgentRig(procs, { dataDir: agentData });
  const c = await startConsoleRig(procs, { port: await freePort(), agentDataDir: agentData, consoleDataDir: join(runDir, "console-data") });
  const sim = procs.spawn("fleet-sim", process.execPath, ["--import", "tsx", join(benchDir, "fleet-sim-process.ts"), "--count", String(N), "--dir", simDir, "--token", SIM_TOKEN, "--control-port", String(await freePort())], { cwd: repoRoot });
  await sim.waitForOutput(/fleet-sim ready/, 120_000);
  await registerAll(c);
  log(`${N} simulated machines registered, labelled role=sim, and up`);
  await sleep(10_000);
  measured = await rollOut(c);
  // The same console and fleet, nothing rolling out, over as long a window: what the rollout adds.
  idle = await observeWindow({ console: c.pid }, Math.max(10, Math.round(measured.wallMs / 1000)));
} catch (err) {
  failed = true;
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  clearInterval(loadTimer);
  await agent?.stop().catch(() => {});
  await procs.stopAll();
}

endSectionRun({ section: "rollout", report: render(), failed, full: opts.machines === undefined && opts.health === undefined, keep: false, runDir, logDir, log });

function render(): string {
  const load = summarize(loads);
  const m = measured;
  const over = m ? summarize(m.overheadPerWaveMs) : undefined;
  const table = m
    ? markdownTable(
        ["machines", "waves", "wall time", "sum of health windows", "overhead (wall − windows)", "overhead per wave: median (max)"],
        [[String(N), String(m.waves), fmtMs(m.wallMs), fmtMs(m.healthSumMs), fmtMs(m.wallMs - m.healthSumMs), `${fmtMs(over!.median)} (${fmtMs(over!.max)})`]],
      )
    : "";
  const usage =
    m && idle
      ? markdownTable(
          ["console", "CPU % of a core", "RSS median", "RSS max"],
          [
            [`idle with ${N} machines (baseline, ${fmtNumber(idle.seconds)} s)`, fmtNumber(idle.cpuPct.console!), fmtMB(median(idle.rss.console!)), fmtMB(Math.max(...idle.rss.console!))],
            [`during the rollout (${fmtNumber(m.usage.seconds)} s)`, fmtNumber(m.usage.cpuPct.console!), fmtMB(median(m.rssDuring)), fmtMB(Math.max(...m.rssDuring))],
          ],
        )
      : "";
  return [
    `## Rollout: console-side overhead at ${N} machines`,
    "",
    `\`npm run bench:rollout\`, ${started.toISOString().slice(0, 16).replace("T", " ")} UTC, ${cpus().length} × ${cpus()[0]?.model ?? "?"}, load average (1 min) median ${fmtNumber(load.median)} (max ${fmtNumber(load.max)}) while it ran (other work shares the machine). ` +
      `The real console (production build) with its real local agent and ${N} simulated machines (\`bench/lib/fleet-sim.ts\`, a separate process; its Install reads and hashes the package, waits the health window, reports the new version). ` +
      `One 1 MiB package to all of them: canary 1, then batches of 10 %, health window ${HEALTH_S} s per host; the console stores it once and streams it from its data dir to each machine. ` +
      `Overhead per wave: from its first host's start to its last host's finish, minus the window, plus the gap until the next wave starts (from the rollout's recorded host times). ` +
      `CPU is utime+stime of the console process over the rollout; RSS sampled each second. Baseline: the same console and fleet right after, nothing rolling out, over as long a window.` +
      (failed ? " **The run failed before it finished; the figures are what it measured.**" : ""),
    "",
    table,
    "",
    usage,
  ].join("\n");
}
