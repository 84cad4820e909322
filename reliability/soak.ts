// `npm run soak -- --minutes N` (default 10): the bundled agent under steady load for N minutes —
// WatchPerf watchers, Logs followers, /debug/vars requests, and an install, upgrade or rollback
// every 30 s — then a report of RSS drift, file descriptors and failed requests against the
// targets (RSS drift < 5 %, 0 failed requests, 0 leaked fds), written into bench/RESULTS.md
// between <!-- soak:start --> and <!-- soak:end --> (nothing else in that file is touched).
// Traffic goes only to the agent's Unix socket; the run is bounded by --minutes.
// Exit code 1 when a target is missed.
import { ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { AgentService } from "@sysward/proto";
import { setMaxListeners } from "node:events";
import http2 from "node:http2";
import net from "node:net";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { createAgentClient } from "../apps/agent/src/client/socket-transport";
import { installVia } from "../apps/agent/src/install/testing/install-via";
import { shellBodies, shellServiceZip } from "../apps/agent/src/install/testing/package-fixtures";
import { fdCount, fdTargets, rssBytes } from "../apps/agent/src/reliability/testing/proc-usage";
import { writeSection } from "../apps/agent/src/reliability/testing/results-section";
import { buildAgent, repoRoot, startAgent, type SoakAgent } from "./lib/soak-agent";
import { cpuSeconds, median, percentile } from "./lib/figures";

const { values: args } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    watchers: { type: "string", default: "100" },
    "log-followers": { type: "string", default: "10" },
    "vars-rps": { type: "string", default: "20" },
    "op-seconds": { type: "string", default: "30" },
    "no-write": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  process.stdout.write(
    "npm run soak -- [--minutes 10] [--watchers 100] [--log-followers 10] [--vars-rps 20] [--op-seconds 30] [--no-write]\n",
  );
  process.exit(0);
}
const num = (k: keyof typeof args, min: number) => {
  const n = Number(args[k]);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${k} must be a number ≥ ${min}`);
  return n;
};
const MINUTES = num("minutes", 0.5);
const WATCHERS = num("watchers", 0);
const FOLLOWERS = num("log-followers", 0);
const VARS_RPS = num("vars-rps", 0);
const OP_SECONDS = num("op-seconds", 5);
const NAME = "soak";
const CONNECTIONS = 4;
const SAMPLE_EVERY_MS = 5000;

const log = (msg: string) => process.stdout.write(`soak: ${msg}\n`);
const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

interface Sample {
  t: number;
  rss: number;
  fds: number;
  cpu: number;
}

const failures: string[] = [];
const counts = { samples: 0, logLines: 0, varsOk: 0, installs: 0, upgrades: 0, rollbacks: 0 };
const varsLatencyMs: number[] = [];
const opSeconds: number[] = [];
const fail = (what: string, err?: unknown) => {
  const line = err === undefined ? what : `${what}: ${err instanceof ConnectError ? err.rawMessage : String(err)}`;
  if (failures.length < 50) log(`FAILED ${line}`);
  failures.push(line);
};

/** A gRPC client on its own HTTP/2 connection, which `close()` ends (the soak must leave no connection open when it counts fds). */
function socketClient(agent: SoakAgent): { client: Client<typeof AgentService>; close(): void } {
  const sessions = new Http2SessionManager("http://localhost", {}, { createConnection: () => net.connect(agent.socketPath) });
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${agent.token}`);
    return next(req);
  };
  const client = createClient(AgentService, createGrpcTransport({ baseUrl: "http://localhost", sessionManager: sessions, interceptors: [bearer] }));
  return { client, close: () => sessions.abort() };
}

/** What the agent has open, "socket: ×3, pipe: ×11", to show which kind leaked. */
function fdKinds(pid: number): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const t of fdTargets(pid)) {
    const k = t.replace(/\[\d+\]$/, "");
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  return kinds;
}

/** A watcher or follower that keeps its stream open until `stop`, counting what arrives and any stream that breaks. */
function keepStreaming(what: string, open: (signal: AbortSignal) => AsyncIterable<unknown>, onMessage: () => void, stop: AbortSignal): Promise<void> {
  return (async () => {
    while (!stop.aborted) {
      try {
        for await (const _ of open(stop)) onMessage();
        if (!stop.aborted) fail(`${what} ended by itself`);
      } catch (err) {
        if (stop.aborted) return;
        fail(`${what} broke`, err);
      }
      await sleep(1000, undefined, { signal: stop }).catch(() => {});
    }
  })();
}

/** GET /debug/vars on one HTTP/2 connection, at `rps` with at most 4 in flight. */
async function varsLoad(agent: SoakAgent, rps: number, stop: AbortSignal): Promise<void> {
  if (rps <= 0) return;
  const session = http2.connect("http://localhost", { createConnection: () => net.connect(agent.socketPath) });
  session.on("error", (err) => fail("/debug/vars connection", err));
  let inFlight = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const req = session.request({ ":path": "/debug/vars", authorization: `Bearer ${agent.token}` });
      let status = 0;
      req.on("response", (h) => (status = Number(h[":status"])));
      req.on("data", () => {});
      req.on("end", () => {
        if (status === 200) {
          counts.varsOk++;
          varsLatencyMs.push(performance.now() - started);
        } else fail(`/debug/vars answered ${status}`);
        resolve();
      });
      req.on("error", (err) => {
        if (!stop.aborted) fail("/debug/vars request", err);
        resolve();
      });
      req.end();
    });
  const gap = 1000 / rps;
  let next = performance.now();
  while (!stop.aborted) {
    if (inFlight < 4) {
      inFlight++;
      void one().finally(() => inFlight--);
    }
    next += gap;
    await sleep(Math.max(0, next - performance.now()), undefined, { signal: stop }).catch(() => {});
  }
  while (inFlight > 0) await sleep(20);
  session.close();
}

/** Install, then alternately upgrade and roll back, one operation every OP_SECONDS. */
async function operations(client: Client<typeof AgentService>, stop: AbortSignal): Promise<void> {
  for (let k = 1; !stop.aborted; k++) {
    await sleep(OP_SECONDS * 1000, undefined, { signal: stop }).catch(() => {});
    if (stop.aborted) return;
    const started = performance.now();
    try {
      if (k % 2 === 1) {
        await installVia(client, { name: NAME, healthSeconds: 2 }, shellServiceZip(NAME, shellBodies.steady(`v${k}`)));
        counts.upgrades++;
      } else {
        await client.rollback({ name: NAME });
        counts.rollbacks++;
      }
      opSeconds.push((performance.now() - started) / 1000);
    } catch (err) {
      fail(k % 2 === 1 ? "upgrade" : "rollback", err);
    }
  }
}

/** Polls until the agent's fd count stops changing (or `target` is reached). */
async function settledFds(pid: number, target = 0, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = fdCount(pid);
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(200);
    const n = fdCount(pid);
    if (n !== last) {
      last = n;
      stableSince = Date.now();
    }
    if (last <= target || Date.now() - stableSince >= 2000) break;
  }
  return last;
}

async function main(): Promise<number> {
  log("bundling the agent (esbuild → reliability/dist/agent.mjs)");
  const bundle = await buildAgent();
  const agent = await startAgent(bundle);
  const stop = new AbortController();
  const hardStop = setTimeout(() => stop.abort(), (MINUTES + 2) * 60_000);
  try {
    setMaxListeners(0, stop.signal); // every stream listens to it
    const client = createAgentClient(agent.socketPath, agent.token, "grpc");
    await installVia(client, { name: NAME, healthSeconds: 2 }, shellServiceZip(NAME, shellBodies.steady("v0")));
    counts.installs++;
    const restFds = await settledFds(agent.pid);
    const restKinds = fdKinds(agent.pid);
    log(`agent pid ${agent.pid} ready, service installed; ${restFds} fds at rest. Load for ${MINUTES} min: ${WATCHERS} watchers, ${FOLLOWERS} log followers, /debug/vars at ${VARS_RPS}/s, an upgrade or rollback every ${OP_SECONDS} s`);

    const connections = Array.from({ length: CONNECTIONS }, () => socketClient(agent));
    const clients = connections.map((c) => c.client);
    const load: Promise<void>[] = [];
    for (let i = 0; i < WATCHERS; i++) load.push(keepStreaming(`WatchPerf #${i}`, (signal) => clients[i % CONNECTIONS]!.watchPerf({}, { signal }), () => counts.samples++, stop.signal));
    for (let i = 0; i < FOLLOWERS; i++) {
      load.push(keepStreaming(`Logs #${i}`, (signal) => clients[i % CONNECTIONS]!.logs({ name: NAME, tailLines: 0, follow: true }, { signal }), () => counts.logLines++, stop.signal));
    }
    load.push(varsLoad(agent, VARS_RPS, stop.signal));
    load.push(operations(client, stop.signal));

    const t0 = Date.now();
    const samples: Sample[] = [];
    const takeSample = () => samples.push({ t: (Date.now() - t0) / 1000, rss: rssBytes(agent.pid), fds: fdCount(agent.pid), cpu: cpuSeconds(agent.pid) });
    takeSample();
    const loads: number[] = [];
    while (Date.now() - t0 < MINUTES * 60_000 && !stop.signal.aborted) {
      await sleep(Math.min(SAMPLE_EVERY_MS, MINUTES * 60_000 - (Date.now() - t0)));
      if (agent.process.exitCode !== null || agent.process.signalCode !== null) {
        fail(`the agent exited (${agent.process.exitCode ?? agent.process.signalCode})`);
        break;
      }
      takeSample();
      loads.push(loadavg()[0]!);
      const last = samples.at(-1)!;
      if (samples.length % 6 === 1) log(`${Math.round(last.t)} s: RSS ${mib(last.rss)}, ${last.fds} fds, ${counts.samples} samples, ${counts.varsOk} vars, ${counts.upgrades + counts.rollbacks} ops, ${failures.length} failures`);
    }
    stop.abort();
    await Promise.allSettled(load);
    for (const c of connections) c.close();
    const endFds = await settledFds(agent.pid, restFds);
    const endKinds = fdKinds(agent.pid);
    const fdChange = [...new Set([...restKinds.keys(), ...endKinds.keys()])]
      .map((k) => [k, (endKinds.get(k) ?? 0) - (restKinds.get(k) ?? 0)] as const)
      .filter(([, d]) => d !== 0)
      .map(([k, d]) => `${k} ${d > 0 ? "+" : ""}${d}`);
    clearTimeout(hardStop);

    // ---- figures
    const span = samples.at(-1)!.t;
    const warmup = Math.min(60, span * 0.3);
    const window = Math.max(30, (span - warmup) * 0.2);
    const first = samples.filter((s) => s.t >= warmup && s.t <= warmup + window).map((s) => s.rss);
    const last = samples.filter((s) => s.t >= span - window).map((s) => s.rss);
    const drift = median(last) / median(first) - 1;
    const cpuPct = ((samples.at(-1)!.cpu - samples[0]!.cpu) / span) * 100;
    const requests = counts.varsOk + counts.installs + counts.upgrades + counts.rollbacks + WATCHERS + FOLLOWERS;
    const leaked = endFds - restFds;
    const verdicts = [
      { target: "RSS drift < 5 %", figure: `${drift >= 0 ? "+" : ""}${(drift * 100).toFixed(1)} % (median ${mib(median(first))} → ${mib(median(last))}; first and last ${Math.round(window)} s after a ${Math.round(warmup)} s warm-up)`, ok: drift < 0.05 },
      { target: "0 failed requests", figure: `${failures.length} failed of ${requests} requests and streams`, ok: failures.length === 0 },
      { target: "0 leaked fds", figure: `${restFds} fds at rest before the load, ${endFds} after it (max ${Math.max(...samples.map((s) => s.fds))} under load)${fdChange.length ? `; changed: ${fdChange.join(", ")}` : ""}`, ok: leaked <= 0 },
    ];
    const table = [
      "| target | measured | verdict |",
      "|---|---|---|",
      ...verdicts.map((v) => `| ${v.target} | ${v.figure} | ${v.ok ? "✅ met" : "❌ missed"} |`),
    ].join("\n");
    const sorted = [...varsLatencyMs].sort((a, b) => a - b);
    const delivered = [
      `- WatchPerf: ${counts.samples} samples to ${WATCHERS} watchers (${(counts.samples / Math.max(1, WATCHERS) / span).toFixed(2)} per watcher per second; the agent samples once a second)`,
      `- Logs: ${counts.logLines} lines to ${FOLLOWERS} followers`,
      `- /debug/vars: ${counts.varsOk} answered (${(counts.varsOk / span).toFixed(1)}/s), p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms`,
      `- operations: ${counts.installs} install, ${counts.upgrades} upgrades, ${counts.rollbacks} rollbacks (each ${opSeconds.length ? `${Math.min(...opSeconds).toFixed(1)}–${Math.max(...opSeconds).toFixed(1)} s, health window 2 s` : "—"})`,
      `- agent: RSS ${mib(Math.min(...samples.map((s) => s.rss)))}–${mib(Math.max(...samples.map((s) => s.rss)))}, CPU ${cpuPct.toFixed(1)} % of one core on average`,
    ].join("\n");
    const failureList = failures.length ? `\nFailures (first ${Math.min(10, failures.length)}):\n${failures.slice(0, 10).map((f) => `- ${f}`).join("\n")}\n` : "";
    const command = `npm run soak -- ${process.argv.slice(2).join(" ") || `--minutes ${MINUTES}`}`;
    const section = `## Soak (reliability)

\`${command}\`, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${cpus().length} × ${cpus()[0]?.model ?? "?"}, load average (1 min) median ${median(loads).toFixed(1)} while it ran (other work shares the machine). The bundled agent (SYSWARD_PERF_INTERVAL_MS=1000, supervisor runtime) for ${(span / 60).toFixed(1)} min under ${WATCHERS} WatchPerf watchers and ${FOLLOWERS} Logs followers over ${CONNECTIONS} HTTP/2 connections, /debug/vars at ${VARS_RPS} req/s, and an upgrade or rollback of a service every ${OP_SECONDS} s; all on its Unix socket. Source: \`reliability/soak.ts\`.

${table}

${delivered}
${failureList}`;
    process.stdout.write(`\n${section}\n`);
    if (!args["no-write"]) {
      writeSection(join(repoRoot, "bench/RESULTS.md"), "soak", section);
      log("wrote the soak section of bench/RESULTS.md");
    }
    return verdicts.every((v) => v.ok) ? 0 : 1;
  } finally {
    stop.abort();
    clearTimeout(hardStop);
    await agent.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
