// `npm run bench:fleet [-- --quick]`: the console's fleet monitor at 100 and 1,000 machines.
// A simulator process serves that many lightweight endpoints speaking the real AgentService
// protocol over real Unix sockets (lib/fleet-sim.ts); the real console (production build, its own
// scripts/start.mjs) watches them next to its real local agent, with one fleet-page tab open (the
// benchmark reads /api/fleet/stream as a browser would). Measured: the console's CPU and RSS per
// fleet size, the bytes the tab receives, and the time from a change at a machine to the tab
// seeing it. Baselines from the same run: the console with only its local agent, and the fleet
// page as it was before the stream (a poll per card through the proxy) at the smaller size. At the
// largest size, the fleet page itself in Chromium: first paint, the summary shown, a change shown
// (lib/fleet-page-browser.ts).
// Writes its section of bench/RESULTS.md (<!-- fleet:start -->…) after a full run.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../apps/agent/src/install/testing/package-fixtures";
import type { FleetStreamEvents, MachineState } from "../apps/console/lib/shared/fleet-types";
import { SseReader } from "../apps/console/lib/shared/sse-frames";
import { buildAgent, startAgentRig, type AgentRig } from "./lib/agent-rig";
import { ensureConsoleBuild, startConsoleRig, type ConsoleRig } from "./lib/console-rig";
import { measureFleetPage, type FleetPageTimes } from "./lib/fleet-page-browser";
import { benchDir, repoRoot } from "./lib/paths";
import { loadAverage, observeWindow, type WindowUsage } from "./lib/proc-stats";
import { ProcessSet, sleep } from "./lib/processes";
import { commitLabel, endSectionRun } from "./lib/section-run";
import { median, percentile, summarize } from "./lib/stats";
import { fmtBytes, fmtMB, fmtMs, fmtNumber, markdownTable } from "./lib/table";

const { values: opts } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    counts: { type: "string" },
    rebuild: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    // The console started with --heapsnapshot-signal: a heap snapshot with only its local agent and
    // one after each size's window, in the run dir's heap/ (kept); for finding where memory goes.
    "heap-snapshots": { type: "boolean", default: false },
    // Skip the fleet page in Chromium (e.g. where no /usr/bin/chromium is installed).
    "no-browser": { type: "boolean", default: false },
    // Another checkout (its repo root, console built into apps/console/.next-bench) run beside the
    // measured console through the same windows, watching the same simulated machines: its CPU and
    // RSS as a same-run baseline for a change to the console.
    "baseline-console": { type: "string" },
    "baseline-label": { type: "string", default: "baseline build" },
    // Node flags for the measured console only (e.g. V8 heap sizes), against --baseline-console.
    "console-node-flags": { type: "string" },
  },
});
const quick = opts.quick ?? false;
const counts = (opts.counts ?? (quick ? "100,300" : "100,1000")).split(",").map(Number);
if (counts.some((n, i) => !Number.isInteger(n) || n < 1 || (i > 0 && n <= counts[i - 1]!))) throw new Error("--counts: increasing whole numbers, e.g. 100,1000");
const largest = counts.at(-1)!;
const WINDOW_S = quick ? 20 : 60;
const SETTLE_S = quick ? 5 : 15;
const TRIALS = quick ? 5 : 15;
const SIM_TOKEN = "fleet-sim-token";
const PAGE_LOADS = quick ? 3 : 7;
const heapSnapshots = opts["heap-snapshots"] ?? false;
const withBrowser = !(opts["no-browser"] ?? false);
const baselineRepo = opts["baseline-console"];
const baselineLabel = opts["baseline-label"] ?? "baseline build";

const started = new Date();
const log = (line: string) => process.stderr.write(`[fleet ${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
const runDir = mkdtempSync(join(process.env.TMPDIR ?? "/tmp", "sysward-bench-fleet-"));
const logDir = join(runDir, "logs");
mkdirSync(logDir);
const simDir = join(runDir, "sim");
mkdirSync(simDir);
const procs = new ProcessSet(logDir);
const loads: number[] = [loadAverage()[0]];
const loadTimer = setInterval(() => loads.push(loadAverage()[0]), 5000);

/** One fleet-page tab: the stream read as a browser would, the fleet as it last said. */
class Tab {
  readonly machines = new Map<string, MachineState>();
  bytes = 0;
  readonly #waiters = new Set<() => void>();
  readonly #ac = new AbortController();

  async open(c: ConsoleRig): Promise<void> {
    const res = await fetch(`${c.baseUrl}/api/fleet/stream`, { headers: { cookie: c.cookie }, signal: this.#ac.signal });
    if (res.status !== 200 || !res.body) throw new Error(`the fleet stream answered ${res.status}`);
    const counted = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, ctl) => {
          this.bytes += chunk.byteLength;
          ctl.enqueue(chunk);
        },
      }),
    );
    const sse = new SseReader(counted);
    void (async () => {
      for (;;) {
        const f = await sse.next();
        if (f.event === "snapshot") {
          this.machines.clear();
          for (const m of (JSON.parse(f.data) as FleetStreamEvents["snapshot"]).machines) this.machines.set(m.id, m);
        } else if (f.event === "machines") {
          const d = JSON.parse(f.data) as FleetStreamEvents["machines"];
          for (const id of d.removed) this.machines.delete(id);
          for (const m of d.machines) this.machines.set(m.id, m);
        }
        for (const w of [...this.#waiters]) w();
      }
    })().catch(() => {});
  }

  /** Resolves with the time (performance.now()) the tab first saw `pred` hold. */
  until(pred: () => boolean, timeoutMs: number): Promise<number> {
    if (pred()) return Promise.resolve(performance.now());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`not seen within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        if (!pred()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(performance.now());
      };
      this.#waiters.add(check);
    });
  }

  close(): void {
    this.#ac.abort();
  }
}

const simId = (i: number) => `sim-${i}`;

async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

/** Resolves once the console's API says `n` machines are up. */
async function untilUp(c: ConsoleRig, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${c.baseUrl}/api/agents?state=up`, { headers: { authorization: `Bearer ${c.apiToken}` } });
    const { agents } = (await res.json()) as { agents: unknown[] };
    if (agents.length >= n) return;
    if (Date.now() > deadline) throw new Error(`${agents.length} of ${n} machines up after ${timeoutMs} ms`);
    await sleep(1000);
  }
}

async function register(c: ConsoleRig, from: number, to: number): Promise<void> {
  const indexes = Array.from({ length: to - from }, (_, k) => from + k);
  await inParallel(indexes, 8, async (i) => {
    const res = await fetch(`${c.baseUrl}/api/agents`, {
      method: "POST",
      headers: { authorization: `Bearer ${c.apiToken}`, "content-type": "application/json" },
      body: JSON.stringify({ id: simId(i), name: `Sim ${String(i).padStart(4, "0")}`, address: `unix://${join(simDir, `m${i}.sock`)}`, credential: { kind: "token", token: SIM_TOKEN } }),
    });
    if (res.status !== 201) throw new Error(`registering ${simId(i)}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  });
}

interface SizeResult {
  machines: number;
  usage: WindowUsage;
  streamBytesPerS: number;
  failSeen: number[];
  downSeen: number[];
  upSeen: number[];
}

async function control(port: number, what: "fail" | "recover" | "down" | "up", i: number): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/${what}/${i}`, { method: "POST" });
  if (res.status !== 200) throw new Error(`fleet-sim ${what} ${i}: ${res.status} ${await res.text()}`);
}

/** Times from a change at machine i to the tab seeing it: a failed service, the machine down, back up. */
async function trials(tab: Tab, port: number, n: number): Promise<Pick<SizeResult, "failSeen" | "downSeen" | "upSeen">> {
  const failSeen: number[] = [];
  const downSeen: number[] = [];
  const upSeen: number[] = [];
  for (let k = 0; k < TRIALS; k++) {
    const i = Math.floor(((k + 0.5) / TRIALS) * n);
    const id = simId(i);
    // At a random moment relative to the stream's frames (a change right after one is the best case).
    await sleep(Math.random() * 1000);
    let t0 = performance.now();
    await control(port, "fail", i);
    failSeen.push((await tab.until(() => tab.machines.get(id)?.failed === 1, 15_000)) - t0);
    await control(port, "recover", i);
    await tab.until(() => tab.machines.get(id)?.failed === 0, 15_000);
    await sleep(Math.random() * 1000);
    t0 = performance.now();
    await control(port, "down", i);
    downSeen.push((await tab.until(() => tab.machines.get(id)?.reach === "down", 15_000)) - t0);
    t0 = performance.now();
    await control(port, "up", i);
    upSeen.push((await tab.until(() => tab.machines.get(id)?.reach === "up", 30_000)) - t0);
  }
  return { failSeen, downSeen, upSeen };
}

const heapDir = join(runDir, "heap");

/** Asks the console for a heap snapshot (--heapsnapshot-signal) and waits until it is written. */
async function heapSnapshot(c: ConsoleRig, label: string): Promise<void> {
  const before = new Set(readdirSync(heapDir));
  process.kill(c.pid, "SIGUSR2");
  const deadline = Date.now() + 180_000;
  for (;;) {
    const fresh = readdirSync(heapDir).filter((f) => !before.has(f) && f.endsWith(".heapsnapshot"));
    // Written in one go by the console's main thread: a size that holds still for a second is done.
    if (fresh.length) {
      const f = join(heapDir, fresh[0]!);
      const size = statSync(f).size;
      await sleep(1000);
      if (size > 0 && statSync(f).size === size) {
        log(`heap snapshot (${label}): ${f}, ${fmtMB(size)}`);
        return;
      }
    } else if (Date.now() > deadline) throw new Error("no heap snapshot within 180 s");
    else await sleep(500);
  }
}

async function measure(tab: Tab, c: ConsoleRig, agent: AgentRig, machines: number): Promise<WindowUsage & { bytesPerS: number }> {
  await sleep(SETTLE_S * 1000);
  const b0 = tab.bytes;
  const usage = await observeWindow({ console: c.pid, agent: agent.pid, ...(baselineRig ? { baseline: baselineRig.pid } : {}) }, WINDOW_S);
  log(`${machines} machines: console ${fmtNumber(usage.cpuPct.console!)} % CPU, RSS ${fmtMB(median(usage.rss.console!))}` + (baselineRig ? `; ${baselineLabel} ${fmtNumber(usage.cpuPct.baseline!)} % CPU, RSS ${fmtMB(median(usage.rss.baseline!))}` : ""));
  if (heapSnapshots) {
    await heapSnapshot(c, `${machines} machines`);
    // Writing it stops the console for up to a minute: its keep-alive PINGs time out and machines
    // are marked down; the trials start once they are all back.
    await tab.until(() => [...tab.machines.values()].filter((m) => m.reach === "up").length === machines, 120_000);
  }
  return { ...usage, bytesPerS: (tab.bytes - b0) / usage.seconds };
}

/** The fleet page before the stream: every card polled its agent through the proxy (fleet-card.tsx, SystemPerf 5 s, ListServices 10 s, AgentInfo 60 s). */
async function pollLikeTheOldPage(c: ConsoleRig, n: number, seconds: number): Promise<{ requests: number; errors: number }> {
  const stop = Date.now() + seconds * 1000;
  let requests = 0;
  let errors = 0;
  const call = async (i: number, method: string) => {
    requests++;
    const res = await fetch(`${c.baseUrl}/rpc/${simId(i)}/sysward.agent.v1.AgentService/${method}`, {
      method: "POST",
      headers: { cookie: c.cookie, origin: c.origin, "content-type": "application/json", "connect-protocol-version": "1" },
      body: "{}",
    }).catch(() => undefined);
    if (res?.status !== 200) errors++;
    await res?.arrayBuffer().catch(() => {});
  };
  const card = async (i: number) => {
    // Cards start spread over the first period, as a page's cards do once rendered.
    await sleep((i / n) * 5000);
    for (let tick = 0; Date.now() < stop; tick++) {
      const t = Date.now();
      await call(i, "SystemPerf");
      if (tick % 2 === 0) await call(i, "ListServices");
      if (tick % 12 === 0) await call(i, "AgentInfo");
      await sleep(Math.max(0, t + 5000 - Date.now()));
    }
  };
  await Promise.all(Array.from({ length: n }, (_, i) => card(i)));
  return { requests, errors };
}

// Ctrl-C: stop everything it started (console, agent, simulator) before leaving.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything`);
    void procs.stopAll().finally(() => process.exit(130));
  });
}

let failed = false;
let consoleRig: ConsoleRig | undefined;
let baselineRig: ConsoleRig | undefined;
let agent: AgentRig | undefined;
const tab = new Tab();
/** The baseline console gets what the measured one gets: a tab on its stream, the old page's polling. */
const baselineTab = new Tab();
const results: SizeResult[] = [];
let baseline: (WindowUsage & { bytesPerS: number }) | undefined;
let polled: { usage: WindowUsage; requests: number; errors: number; machines: number } | undefined;
let browser: FleetPageTimes | undefined;
let browserMachines = 0;
try {
  log(`${quick ? "quick" : "full"} run, fleets of ${counts.join(" and ")}; run directory ${runDir}`);
  buildAgent();
  log(`console build: ${ensureConsoleBuild(opts.rebuild ?? false, log)}`);
  const agentData = join(runDir, "agent-data");
  mkdirSync(agentData, { mode: 0o700 });
  agent = await startAgentRig(procs, { dataDir: agentData });
  if (heapSnapshots) mkdirSync(heapDir);
  consoleRig = await startConsoleRig(procs, {
    port: await freePort(),
    agentDataDir: agentData,
    consoleDataDir: join(runDir, "console-data"),
    nodeFlags: [...(heapSnapshots ? ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${heapDir}`] : []), ...(opts["console-node-flags"]?.split(" ").filter(Boolean) ?? [])],
  });
  if (baselineRepo) {
    const dir = join(baselineRepo, "apps/console");
    if (!existsSync(join(dir, ".next-bench", "BUILD_ID"))) throw new Error(`--baseline-console: no build in ${dir}/.next-bench (NEXT_DIST_DIR=.next-bench npx next build there)`);
    baselineRig = await startConsoleRig(procs, { port: await freePort(), agentDataDir: agentData, consoleDataDir: join(runDir, "baseline-console-data"), consoleDir: dir, label: "baseline" });
    log(`${baselineLabel}: console pid ${baselineRig.pid} from ${dir}`);
  }
  const controlPort = await freePort();
  const sim = procs.spawn("fleet-sim", process.execPath, ["--import", "tsx", join(benchDir, "fleet-sim-process.ts"), "--count", String(largest), "--dir", simDir, "--token", SIM_TOKEN, "--control-port", String(controlPort)], {
    cwd: repoRoot,
  });
  await sim.waitForOutput(/fleet-sim ready/, 120_000);
  log(`console pid ${consoleRig.pid}, local agent pid ${agent.pid}, simulator pid ${sim.pid} (${largest} machines)`);

  await tab.open(consoleRig);
  if (baselineRig) await baselineTab.open(baselineRig);
  if (baselineRig) await untilUp(baselineRig, 1, 30_000);
  await tab.until(() => tab.machines.get("local")?.reach === "up", 30_000);
  baseline = await measure(tab, consoleRig, agent, 1);

  let registered = 0;
  for (const n of counts) {
    const t0 = performance.now();
    await register(consoleRig, registered, n);
    if (baselineRig) await register(baselineRig, registered, n);
    registered = n;
    await tab.until(() => [...tab.machines.values()].filter((m) => m.id.startsWith("sim-") && m.reach === "up").length === n, 120_000);
    if (baselineRig) await untilUp(baselineRig, n + 1, 120_000);
    log(`${n} simulated machines registered and up in ${fmtMs(performance.now() - t0)}`);
    const usage = await measure(tab, consoleRig, agent, n + 1);
    const t = await trials(tab, controlPort, n);
    results.push({ machines: n + 1, usage, streamBytesPerS: usage.bytesPerS, ...t });
    if (n === largest && withBrowser) {
      log(`the fleet page in Chromium at ${n + 1} machines: ${PAGE_LOADS} loads, ${TRIALS} trials of each change`);
      const c = consoleRig;
      browser = await measureFleetPage({ baseUrl: c.baseUrl, cookie: c.cookie, machines: n + 1, simulated: n, loads: PAGE_LOADS, trials: TRIALS, order: (what, i) => control(controlPort, what, i), sleep });
      browserMachines = n + 1;
    }
    if (n === counts[0]) {
      log(`the old fleet page's polling at ${n} machines`);
      const p = pollLikeTheOldPage(consoleRig, n, SETTLE_S + WINDOW_S);
      const pb = baselineRig ? pollLikeTheOldPage(baselineRig, n, SETTLE_S + WINDOW_S) : undefined;
      await sleep(SETTLE_S * 1000);
      const u = await observeWindow({ console: consoleRig.pid, agent: agent.pid }, WINDOW_S);
      polled = { usage: u, ...(await p), machines: n + 1 };
      await pb;
    }
  }
} catch (err) {
  failed = true;
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  tab.close();
  baselineTab.close();
  clearInterval(loadTimer);
  await agent?.stop().catch(() => {});
  await procs.stopAll();
}

endSectionRun({ section: "fleet", report: render(), failed, full: !quick && !opts.counts, keep: (opts.keep ?? false) || heapSnapshots, runDir, logDir, log });

function render(): string {
  const load = summarize(loads);
  const rows = [
    ...(baseline ? [["1 (local agent only): baseline", baseline]] : []),
    ...results.map((r) => [`${r.machines} (${r.machines - 1} simulated + local)`, { ...r.usage, bytesPerS: r.streamBytesPerS }]),
  ] as Array<[string, WindowUsage & { bytesPerS: number }]>;
  const usageTable = markdownTable(
    ["machines", "console CPU % of a core", "console RSS median", "console RSS max", "stream to one tab", ...(baselineRepo ? [`${baselineLabel}: CPU %`, `${baselineLabel}: RSS median (max)`] : [])],
    rows.map(([name, u]) => [
      name,
      fmtNumber(u.cpuPct.console!),
      fmtMB(median(u.rss.console!)),
      fmtMB(Math.max(...u.rss.console!)),
      `${fmtBytes(u.bytesPerS)}/s`,
      ...(baselineRepo ? (u.rss.baseline ? [fmtNumber(u.cpuPct.baseline!), `${fmtMB(median(u.rss.baseline))} (${fmtMB(Math.max(...u.rss.baseline))})`] : ["—", "—"]) : []),
    ]),
  );
  const spread = (xs: number[]) => (xs.length ? `${fmtMs(median(xs))} (p95 ${fmtMs(percentile(xs, 95))}, max ${fmtMs(Math.max(...xs))})` : "—");
  const latencyTable = markdownTable(
    ["machines", "a service fails → the tab shows it", "machine crashes → the tab shows it down", "machine back → the tab shows it up"],
    results.map((r) => [String(r.machines), spread(r.failSeen), spread(r.downSeen), spread(r.upSeen)]),
  );
  const [small, big] = [results[0], results.at(-1)];
  const commit = commitLabel();
  const perMachineOf = (who: string) => (small && big && big !== small && big.usage.rss[who] && small.usage.rss[who] ? (median(big.usage.rss[who]) - median(small.usage.rss[who])) / (big.machines - small.machines) : NaN);
  const perMachine = perMachineOf("console");
  const basePerMachine = perMachineOf("baseline");
  const oldWay = polled
    ? markdownTable(
        ["at " + polled.machines + " machines, one tab", "console CPU % of a core", "console RSS median", "requests"],
        [
          ["fleet stream (now)", fmtNumber(small!.usage.cpuPct.console!), fmtMB(median(small!.usage.rss.console!)), "1 (the stream)"],
          ["a poll per card (the page before)", fmtNumber(polled.usage.cpuPct.console!), fmtMB(median(polled.usage.rss.console!)), `${polled.requests} in ${WINDOW_S + SETTLE_S} s (${polled.errors} failed)`],
        ],
      )
    : "";
  const ms = (xs: number[]) => (xs.length ? `${fmtMs(median(xs))} (max ${fmtMs(Math.max(...xs))})` : "—");
  const met = (xs: number[], target: number) => (xs.length ? (Math.max(...xs) < target ? "met" : median(xs) < target ? "median met, max missed" : "missed") : "—");
  const b = browser;
  const pageTable = b
    ? markdownTable(
        ["in Chromium, " + browserMachines + " machines", "median (max)", "target", ""],
        [
          ["navigation → first paint", ms(b.loads.map((l) => l.firstPaintMs)), "", ""],
          ["navigation → first contentful paint", ms(b.loads.map((l) => l.firstContentfulPaintMs)), "< 1 s", met(b.loads.map((l) => l.firstContentfulPaintMs), 1000)],
          ["navigation → the summary shows every machine up, cards drawn", ms(b.loads.map((l) => l.listedMs)), "", ""],
          // The first load of a fresh browser fetches and compiles the page's scripts; the rest have them cached.
          ["first load alone: first contentful paint / summary shown", b.loads[0] ? `${fmtMs(b.loads[0].firstContentfulPaintMs)} / ${fmtMs(b.loads[0].listedMs)}` : "—", "", ""],
          ["a service fails → the page's failed count shows it", ms(b.shown.fail), "< 2 s", met(b.shown.fail, 2000)],
          ["it recovers → the count goes back", ms(b.shown.recover), "< 2 s", met(b.shown.recover, 2000)],
          ["a machine crashes → the page's down count shows it", ms(b.shown.down), "< 2 s", met(b.shown.down, 2000)],
          ["it comes back → counted up again (includes the reconnect wait)", ms(b.shown.up), "", ""],
        ],
      )
    : "";
  return [
    "## Fleet monitor: the console at " + counts.map((n) => n.toLocaleString("en")).join(" and ") + " machines",
    "",
    `\`npm run bench:fleet${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(" ")}` : ""}\`, commit ${commit}, ${started.toISOString().slice(0, 16).replace("T", " ")} UTC, ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ` +
      `load average (1 min) median ${fmtNumber(load.median)} (max ${fmtNumber(load.max)}) while it ran (other work shares the machine). ` +
      `The real console (production build) watches its real local agent and ${largest.toLocaleString("en")} simulated machines ` +
      `(\`bench/lib/fleet-sim.ts\`: the real AgentService over one Unix socket each, three services, a perf clock of a sample a second of which the console takes one in five: \`SYSWARD_FLEET_PERF_MS\` at its default) served by a separate process; ` +
      `one fleet-page tab reads \`/api/fleet/stream\`. Each size: ${SETTLE_S} s to settle, then a ${WINDOW_S} s window (CPU from /proc/PID/stat, RSS sampled each second), then ${TRIALS} trials of each change.` +
      (failed ? " **The run failed before it finished; the figures are what it measured.**" : ""),
    "",
    usageTable,
    "",
    `Console memory per machine (RSS median at ${big?.machines ?? "?"} minus at ${small?.machines ?? "?"}, over the machines between): **${Number.isFinite(perMachine) ? fmtBytes(perMachine) : "—"}** — the HTTP/2 connection and its two streams, the machine's state (facts, three services, a 60-point sparkline) and the per-machine timers` +
      (Number.isFinite(perMachine) && baseline ? `; at 10,000 machines that would be ~${fmtMB(median(baseline.rss.console!) + perMachine * 10_000)} (the console alone plus 10,000 × that).` : ".") +
      (Number.isFinite(basePerMachine) && baseline?.rss.baseline ? ` The ${baselineLabel} beside it, same machines and seconds: **${fmtBytes(basePerMachine)}** a machine, ~${fmtMB(median(baseline.rss.baseline) + basePerMachine * 10_000)} at 10,000.` : ""),
    "",
    "Time from a change at a machine to the tab seeing it (median, p95, max over the trials; \"back up\" includes the monitor's reconnect wait, 250 ms doubling to 5 s):",
    "",
    latencyTable,
    "",
    ...(pageTable
      ? [
          `The fleet page in a real Chromium (\`/usr/bin/chromium\`, headless, through playwright-core; logged in as admin), ${b!.loads.length} loads and ${b!.shown.fail.length} trials of each change at machines spread through the fleet (most are on no drawn page of cards: the change shows in the summary counts). Paint times are the page's \`paint\` entries; a change is timed from just before the order to the simulator to the first animation frame after a MutationObserver saw the count change (one wall clock for both):`,
          "",
          pageTable,
          "",
        ]
      : []),
    ...(oldWay ? ["The same run's baseline for one tab, the fleet page as it was before the stream (each card polling its agent through the proxy):", "", oldWay, ""] : []),
  ].join("\n");
}
