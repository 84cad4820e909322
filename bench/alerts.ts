// `npm run bench:alerts [-- --quick]`: the console's alert engine at 1,000 machines. The real
// console (production build) watches its real local agent and 1,000 simulated machines (the fleet
// simulator, lib/fleet-sim.ts, as its own process) with the built-in rules on and one webhook
// channel to a real HTTP receiver in this process. Measured: the time from a service failing or a
// machine going down to the webhook arriving — from the change, and from the console's detection
// (the alert's own startedAt; for machine-down, the moment its threshold passed) — and what
// evaluating every rule costs at that size: the engine's own timing of each pass
// (sysward_alert_evaluation_seconds on /metrics) and the console's CPU with the rules on against
// the same run's console with every rule off. Writes its section of bench/RESULTS.md
// (<!-- alerts:start -->…) after a full run.
import { mkdirSync, mkdtempSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../apps/agent/src/install/testing/package-fixtures";
import { HttpReceiver } from "../apps/console/lib/server/alerts/testing/http-receiver";
import { buildAgent, startAgentRig, type AgentRig } from "./lib/agent-rig";
import { ensureConsoleBuild, startConsoleRig, type ConsoleRig } from "./lib/console-rig";
import { benchDir, repoRoot } from "./lib/paths";
import { loadAverage, observeWindow, type WindowUsage } from "./lib/proc-stats";
import { ProcessSet, sleep } from "./lib/processes";
import { commitLabel, endSectionRun } from "./lib/section-run";
import { median, percentile, summarize } from "./lib/stats";
import { fmtMB, fmtMs, fmtNumber, markdownTable } from "./lib/table";

const { values: opts } = parseArgs({ options: { quick: { type: "boolean", default: false }, machines: { type: "string" }, rebuild: { type: "boolean", default: false }, keep: { type: "boolean", default: false } } });
const quick = opts.quick ?? false;
const machines = Number(opts.machines ?? (quick ? 200 : 1000));
if (!Number.isInteger(machines) || machines < 10) throw new Error("--machines: a whole number of at least 10");
const WINDOW_S = quick ? 15 : 45;
const SETTLE_S = quick ? 5 : 15;
const TRIALS = quick ? 5 : 15;
const DOWN_SECONDS = 5;
const SIM_TOKEN = "alerts-sim-token";

const started = new Date();
const log = (line: string) => process.stderr.write(`[alerts ${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
const runDir = mkdtempSync(join(process.env.TMPDIR ?? "/tmp", "sysward-bench-alerts-"));
const logDir = join(runDir, "logs");
mkdirSync(logDir);
const simDir = join(runDir, "sim");
mkdirSync(simDir);
const procs = new ProcessSet(logDir);
const receiver = new HttpReceiver();
const loads: number[] = [loadAverage()[0]];
const loadTimer = setInterval(() => loads.push(loadAverage()[0]), 5000);
const simId = (i: number) => `sim-${i}`;

interface Payload {
  status: string;
  alerts: Array<{ labels: Record<string, string>; fingerprint: string }>;
}
interface ApiAlert {
  ruleId: string;
  agentId: string;
  state: string;
  startedAt: number;
  firedAt: number | null;
}

async function api<T>(c: ConsoleRig, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${c.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${c.apiToken}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function control(port: number, what: "fail" | "recover" | "down" | "up", i: number): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/${what}/${i}`, { method: "POST" });
  if (res.status !== 200) throw new Error(`fleet-sim ${what} ${i}: ${res.status} ${await res.text()}`);
}

/** When (epoch ms) the receiver got `status` of `rule` for machine `id`, waiting up to `timeoutMs`. */
async function arrival(rule: string, id: string, status: string, after: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = receiver.received.find((r) => {
      if (r.at < after) return false;
      const p = JSON.parse(r.body) as Payload;
      return p.status === status && p.alerts[0]?.labels.alertname === rule && p.alerts[0]?.labels.machine === id;
    });
    if (got) return got.at;
    if (Date.now() > deadline) throw new Error(`no ${status} ${rule} for ${id} within ${timeoutMs} ms`);
    await sleep(5);
  }
}

async function alertOf(c: ConsoleRig, rule: string, id: string): Promise<ApiAlert> {
  const { alerts } = await api<{ alerts: ApiAlert[] }>(c, "GET", `/api/alerts?agent=${id}&limit=20`);
  const a = alerts.find((x) => x.ruleId === rule);
  if (!a) throw new Error(`no ${rule} alert for ${id}`);
  return a;
}

interface Trials {
  failFromChange: number[];
  failFromDetection: number[];
  downFromChange: number[];
  downFromThreshold: number[];
}

async function trials(c: ConsoleRig, port: number): Promise<Trials> {
  const t: Trials = { failFromChange: [], failFromDetection: [], downFromChange: [], downFromThreshold: [] };
  for (let k = 0; k < TRIALS; k++) {
    const i = Math.floor(((k + 0.5) / TRIALS) * machines);
    const id = simId(i);
    await sleep(Math.random() * 1000);
    let t0 = Date.now();
    await control(port, "fail", i);
    let at = await arrival("service-failed", id, "firing", t0, 20_000);
    t.failFromChange.push(at - t0);
    t.failFromDetection.push(at - (await alertOf(c, "service-failed", id)).startedAt);
    await control(port, "recover", i);
    await arrival("service-failed", id, "resolved", t0, 20_000);

    await sleep(Math.random() * 1000);
    t0 = Date.now();
    await control(port, "down", i);
    at = await arrival("machine-down", id, "firing", t0, 30_000 + DOWN_SECONDS * 1000);
    t.downFromChange.push(at - t0);
    t.downFromThreshold.push(at - ((await alertOf(c, "machine-down", id)).startedAt + DOWN_SECONDS * 1000));
    await control(port, "up", i);
    await arrival("machine-down", id, "resolved", t0, 30_000);
  }
  return t;
}

/** The engine's own time per pass, read from /metrics once a second through a window, and the console's CPU meanwhile. */
async function window(c: ConsoleRig, agent: AgentRig): Promise<{ usage: WindowUsage; evalMs: number[] }> {
  const evalMs: number[] = [];
  let on = true;
  const reader = (async () => {
    while (on) {
      const text = await fetch(`${c.baseUrl}/metrics`, { headers: { authorization: `Bearer ${c.apiToken}` } }).then((r) => r.text(), () => "");
      const m = /^sysward_alert_evaluation_seconds (\S+)$/m.exec(text);
      if (m) evalMs.push(Number(m[1]) * 1000);
      await sleep(1000);
    }
  })();
  const usage = await observeWindow({ console: c.pid, agent: agent.pid }, WINDOW_S);
  on = false;
  await reader;
  return { usage, evalMs };
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything`);
    void procs.stopAll().finally(() => process.exit(130));
  });
}

let failed = false;
let agent: AgentRig | undefined;
let rulesOn: { usage: WindowUsage; evalMs: number[] } | undefined;
let rulesOff: { usage: WindowUsage; evalMs: number[] } | undefined;
let result: Trials | undefined;
try {
  log(`${quick ? "quick" : "full"} run, ${machines} simulated machines; run directory ${runDir}`);
  await receiver.start();
  buildAgent();
  log(`console build: ${ensureConsoleBuild(opts.rebuild ?? false, log)}`);
  const agentData = join(runDir, "agent-data");
  mkdirSync(agentData, { mode: 0o700 });
  agent = await startAgentRig(procs, { dataDir: agentData });
  const consoleRig = await startConsoleRig(procs, {
    port: await freePort(),
    agentDataDir: agentData,
    consoleDataDir: join(runDir, "console-data"),
    env: { SYSWARD_ALERT_MACHINE_DOWN_SECONDS: String(DOWN_SECONDS) },
  });
  const controlPort = await freePort();
  const sim = procs.spawn("fleet-sim", process.execPath, ["--import", "tsx", join(benchDir, "fleet-sim-process.ts"), "--count", String(machines), "--dir", simDir, "--token", SIM_TOKEN, "--control-port", String(controlPort)], { cwd: repoRoot });
  await sim.waitForOutput(/fleet-sim ready/, 120_000);
  await api(consoleRig, "POST", "/api/alerts/channels", { type: "webhook", name: "bench", url: `${receiver.url}/alerts`, secret: "bench-secret" });
  const queue = Array.from({ length: machines }, (_, i) => i);
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      await api(consoleRig, "POST", "/api/agents", { id: simId(i), name: `Sim ${String(i).padStart(4, "0")}`, address: `unix://${join(simDir, `m${i}.sock`)}`, credential: { kind: "token", token: SIM_TOKEN } });
    }
  }));
  for (const deadline = Date.now() + 180_000; ; await sleep(1000)) {
    const { agents } = await api<{ agents: Array<{ state: string }> }>(consoleRig, "GET", "/api/agents");
    if (agents.filter((a) => a.state === "up").length === machines + 1) break;
    if (Date.now() > deadline) throw new Error("the simulated machines were not all up within 180 s");
  }
  log(`${machines} simulated machines up; console pid ${consoleRig.pid}`);
  await sleep(SETTLE_S * 1000);
  rulesOn = await window(consoleRig, agent);
  log(`rules on: console ${fmtNumber(rulesOn.usage.cpuPct.console!)} % CPU, evaluation median ${fmtMs(median(rulesOn.evalMs))}`);
  result = await trials(consoleRig, controlPort);
  const { rules } = await api<{ rules: Array<{ id: string }> }>(consoleRig, "GET", "/api/alerts/rules");
  for (const r of rules) await api(consoleRig, "PATCH", `/api/alerts/rules/${r.id}`, { enabled: false });
  await sleep(SETTLE_S * 1000);
  rulesOff = await window(consoleRig, agent);
  log(`rules off: console ${fmtNumber(rulesOff.usage.cpuPct.console!)} % CPU`);
} catch (err) {
  failed = true;
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  clearInterval(loadTimer);
  await agent?.stop().catch(() => {});
  await procs.stopAll();
  await receiver.stop();
}

endSectionRun({ section: "alerts", report: render(), failed, full: !quick && !opts.machines, keep: opts.keep ?? false, runDir, logDir, log });

function render(): string {
  const load = summarize(loads);
  const commit = commitLabel();
  const mp = (xs: number[] | undefined) => (xs?.length ? `${fmtMs(median(xs))} / ${fmtMs(percentile(xs, 99))}` : "—");
  const latency = markdownTable(
    ["what happened", "→ webhook delivered, from the change (median / p99)", "→ webhook delivered, from the console's detection (median / p99)"],
    [
      ["a service fails (the runtime gives up on it)", mp(result?.failFromChange), mp(result?.failFromDetection)],
      [`a machine crashes (machine-down, threshold ${DOWN_SECONDS} s)`, mp(result?.downFromChange), `${mp(result?.downFromThreshold)} (from the threshold passing)`],
    ],
  );
  const usageRow = (name: string, w: typeof rulesOn) => [name, w ? fmtNumber(w.usage.cpuPct.console!) : "—", w ? fmtMB(median(w.usage.rss.console!)) : "—", w?.evalMs.length ? `${fmtMs(median(w.evalMs))} / ${fmtMs(percentile(w.evalMs, 99))}` : "—"];
  const cost = markdownTable(["at " + (machines + 1).toLocaleString("en") + " machines", "console CPU % of a core", "console RSS median", "one evaluation of every rule (median / p99)"], [usageRow("built-in rules on (the default)", rulesOn), usageRow("every rule off: baseline", rulesOff)]);
  return [
    `## Alerts: detection to delivery, and evaluation at ${machines.toLocaleString("en")} machines`,
    "",
    `\`npm run bench:alerts${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(" ")}` : ""}\`, commit ${commit}, ${started.toISOString().slice(0, 16).replace("T", " ")} UTC, ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ` +
      `load average (1 min) median ${fmtNumber(load.median)} (max ${fmtNumber(load.max)}) while it ran (other work shares the machine). ` +
      `The real console (production build, \`SYSWARD_ALERT_EVAL_MS\` at its default, 1 s) watches its real local agent and ${machines.toLocaleString("en")} simulated machines (\`bench/lib/fleet-sim.ts\`, a separate process), ` +
      `with the built-in rules and one signed webhook channel to a real HTTP receiver on loopback in the benchmark's process. ${TRIALS} trials of each change on machines spread through the fleet; ` +
      `"detection" is the alert's own \`startedAt\` (the engine's first sight of a failed service; for machine-down, the fleet monitor's "down since", plus the threshold). ` +
      `Cost: a ${WINDOW_S} s window after ${SETTLE_S} s to settle, CPU from /proc/PID/stat, the engine's time per pass read from \`sysward_alert_evaluation_seconds\` once a second.` +
      (failed ? " **The run failed before it finished; the figures are what it measured.**" : ""),
    "",
    latency,
    "",
    cost,
    "",
  ].join("\n");
}
