#!/usr/bin/env node
// Optional soak, not part of `npm test`: a REAL Prometheus (Debian's `prometheus` package) scrapes
// the console's /agents/local/metrics every second with an API token for ~30 s, all on 127.0.0.1;
// then its HTTP API is asked what it ingested. Prints the figures; exits 1 if a check fails.
//
//   apt-get install -y prometheus        # once (the package's own service is not used)
//   node bench/prometheus-scrape.mjs [--seconds 30]
//
// The agent runs from source; the console is the production build the benchmarks use
// (apps/console/.next-bench, rebuilt when older than its sources).
import { register } from "tsx/esm/api";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

register();
const { ProcessSet, sleep } = await import("./lib/processes.ts");
const { startAgentRig } = await import("./lib/agent-rig.ts");
const { ensureConsoleBuild, startConsoleRig } = await import("./lib/console-rig.ts");
const { shellServiceZip, shellBodies } = await import("../apps/agent/src/install/testing/package-fixtures.ts");
const { installVia } = await import("../apps/agent/src/install/testing/install-via.ts");

const secondsArg = process.argv.indexOf("--seconds");
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 30;
const log = (s) => process.stdout.write(`${s}\n`);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

try {
  log(execFileSync("prometheus", ["--version"], { encoding: "utf8" }).split("\n")[0]);
} catch {
  log("prometheus is not installed: apt-get install -y prometheus");
  process.exit(2);
}

const root = mkdtempSync(join(tmpdir(), "sysward-prometheus-"));
const logDir = join(root, "logs");
mkdirSync(logDir);
const procs = new ProcessSet(logDir);
const failures = [];
const check = (ok, what) => {
  log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

let agent;
try {
  ensureConsoleBuild(false, log);
  agent = await startAgentRig(procs, { dataDir: join(root, "agent"), fromSource: true, env: { SYSWARD_RUNTIME: "supervisor", SYSWARD_HEALTH_SECONDS: "1" } });
  const consolePort = await freePort();
  const consoleRig = await startConsoleRig(procs, { port: consolePort, agentDataDir: agent.dataDir, consoleDataDir: join(root, "console") });

  // Prometheus reads the console's API token from a file, as a deployment would.
  const tokenFile = join(root, "console.token");
  writeFileSync(tokenFile, consoleRig.apiToken, { mode: 0o600 });
  const promPort = await freePort();
  const config = join(root, "prometheus.yml");
  writeFileSync(
    config,
    `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: sysward
    metrics_path: /agents/local/metrics
    authorization:
      type: Bearer
      credentials_file: ${tokenFile}
    static_configs:
      - targets: ["127.0.0.1:${consolePort}"]
`,
  );
  const prom = procs.spawn("prometheus", "prometheus", [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(root, "tsdb")}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
  ]);
  await prom.waitForOutput(/Server is ready to receive web requests/, 30_000);
  const api = `http://127.0.0.1:${promPort}/api/v1`;
  const query = async (q) => {
    const res = await (await fetch(`${api}/query?query=${encodeURIComponent(q)}`)).json();
    if (res.status !== "success") throw new Error(`query ${q} failed: ${JSON.stringify(res)}`);
    return res.data.result;
  };
  const scalar = async (q) => {
    const r = await query(q);
    return r.length ? Number(r[0].value[1]) : NaN;
  };

  // Something to see: a service that uses a little CPU, and a few RPCs.
  await installVia(agent.client, { name: "scraped", healthSeconds: 1 }, shellServiceZip("scraped", shellBodies.steady("scraped")));
  log(`scraping http://127.0.0.1:${consolePort}/agents/local/metrics every 1 s for ${SECONDS} s …`);
  for (let t = 0; t < SECONDS; t += 5) {
    await agent.client.agentInfo({});
    await agent.client.listServices({});
    await sleep(5000);
  }

  const window = `${SECONDS}s`;
  const targets = (await (await fetch(`${api}/targets`)).json()).data.activeTargets;
  const t = targets[0];
  const scrapes = await scalar(`count_over_time(up{job="sysward"}[${window}])`);
  const good = await scalar(`sum_over_time(up{job="sysward"}[${window}])`);
  const samplesPerScrape = await scalar(`scrape_samples_scraped{job="sysward"}`);
  const meanMs = (await scalar(`avg_over_time(scrape_duration_seconds{job="sysward"}[${window}])`)) * 1000;
  const maxMs = (await scalar(`max_over_time(scrape_duration_seconds{job="sysward"}[${window}])`)) * 1000;
  const series = (await query(`{job="sysward",__name__=~"sysward_.+"}`)).length;
  const busy = await scalar(`1 - sum without (mode) (rate(sysward_system_cpu_seconds_total{mode="idle"}[15s])) / sysward_system_cpus`);
  const serviceCpu = await scalar(`rate(sysward_service_cpu_seconds_total{service="scraped"}[15s])`);
  const serviceRunning = await scalar(`sysward_service_state{service="scraped",state="running"}`);
  const serviceRss = await scalar(`sysward_service_memory_rss_bytes{service="scraped"}`);
  const rpcs = await scalar(`sum(sysward_agent_rpc_handled_total)`);
  const installs = await scalar(`sysward_agent_installs_finished_total{outcome="succeeded"}`);
  const p99 = await scalar(`histogram_quantile(0.99, sum by (le) (rate(sysward_agent_rpc_duration_seconds_bucket{method="AgentInfo"}[${window}])))`);
  const agentRss = await scalar(`sysward_agent_process_resident_memory_bytes`);

  log("");
  log(`target health ${t?.health}, last error ${JSON.stringify(t?.lastError ?? "")}`);
  log(`scrapes ${scrapes} in ${SECONDS} s, ${good} up; ${samplesPerScrape} samples per scrape; ${series} sysward_* series`);
  log(`scrape duration (Prometheus → console → agent): mean ${meanMs.toFixed(1)} ms, max ${maxMs.toFixed(1)} ms`);
  log(`machine CPU busy ${(busy * 100).toFixed(1)} %; service "scraped": running=${serviceRunning}, CPU ${(serviceCpu * 100).toFixed(2)} % of a core, RSS ${(serviceRss / 1048576).toFixed(1)} MiB`);
  log(`agent: ${rpcs} RPCs handled, ${installs} install succeeded, AgentInfo p99 ≤ ${(p99 * 1000).toFixed(2)} ms (bucket bound), RSS ${(agentRss / 1048576).toFixed(1)} MiB`);
  log("");
  check(t?.health === "up" && !t?.lastError, "Prometheus sees the target up with no error");
  check(scrapes >= SECONDS * 0.8 && good === scrapes, `every scrape succeeded (${good}/${scrapes})`);
  check(series > 50, `sysward series were ingested (${series})`);
  check(busy >= 0 && busy <= 1, `CPU busy share from the counters is a fraction (${busy.toFixed(3)})`);
  check(serviceRunning === 1 && serviceRss > 0 && serviceCpu >= 0, "the installed service is running with RSS and CPU");
  check(rpcs > 0 && installs >= 1, "RPC and install counters arrived");
} catch (err) {
  failures.push(String(err));
  log(`FAIL ${err instanceof Error ? err.stack : String(err)}`);
} finally {
  await agent?.stop().catch(() => {});
  await procs.stopAll();
  if (failures.length) log(`logs kept in ${logDir}`);
  else rmSync(root, { recursive: true, force: true });
}
log(failures.length ? `${failures.length} check(s) failed` : "all checks passed");
process.exit(failures.length ? 1 : 0);
