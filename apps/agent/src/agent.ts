// The composition root: builds every part of the agent from its config and wires them
// together. main.ts only adds process concerns (signals, exit codes).
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { AgentConfig, ListenConfig } from "./config";
import { CounterMap, VarRegistry } from "./debugvars/registry";
import { serveDebugVars } from "./debugvars/handler";
import { publishProcessVars } from "./debugvars/standard-vars";
import { readInventory } from "./inventory/machine-inventory";
import { acquireLock, loadOrCreateToken, prepareDataDir } from "./lifecycle/data-dir";
import type { Logger } from "./logger";
import { createTokenCheck } from "./rpc/bearer-token";
import { infoHandlers } from "./rpc/info-handlers";
import { installHandlers } from "./rpc/install-handlers";
import { logHandlers } from "./rpc/log-handlers";
import { serviceHandlers } from "./rpc/service-handlers";
import { ServiceManager } from "./install/service-manager";
import { ServiceWatchers } from "./service-watch/service-watchers";
import { selectRuntime } from "./runtime/select-runtime";
import { PerfHistory } from "./history/perf-history";
import { PerfCollector } from "./perf/perf-collector";
import { PerfWatchers } from "./perf/perf-watchers";
import { perfSampleJson } from "./perf/sample-json";
import { perfHandlers } from "./rpc/perf-handlers";
import { authInterceptor } from "./rpc/interceptors/auth";
import { errorsInterceptor } from "./rpc/interceptors/errors";
import { loggingInterceptor } from "./rpc/interceptors/logging";
import { metricsInterceptor } from "./rpc/interceptors/metrics";
import { AgentMetrics } from "./metrics/agent-metrics";
import { createRoutes } from "./rpc/routes";
import { startAgentServer, type TcpListenOptions } from "./rpc/server";
import pkg from "../package.json";

export interface RunningAgent {
  /** The TCP address bound when SYSWARD_LISTEN is set. */
  tcpAddress?: AddressInfo;
  stop(): Promise<void>;
}

function readTlsFiles(l: ListenConfig): TcpListenOptions {
  const read = (p: string) => readFileSync(p, "utf8");
  return { host: l.host, port: l.port, cert: read(l.certPath), key: read(l.keyPath), clientCa: read(l.clientCaPath), crl: l.crlPath && read(l.crlPath) };
}

/** The seed's system-cpu / system-mem, plus load, services and devices, from the cached sample (never /proc). */
function publishPerfVars(vars: VarRegistry, perf: PerfCollector, history: PerfHistory, watchers: PerfWatchers): void {
  const latest = () => perfSampleJson(perf.latest());
  vars.publish("system-cpu", () => ({ time: latest().time, intervalMs: latest().intervalMs, total: latest().cpu, cores: latest().cores }));
  vars.publish("system-mem", () => ({ time: latest().time, ...(latest().memory as object) }));
  vars.publish("system-load", () => latest().load);
  vars.publish("services", () => latest().services);
  vars.publish("system-filesystems", () => latest().filesystems ?? []);
  vars.publish("system-disks", () => latest().disks ?? []);
  vars.publish("system-network", () => latest().networks ?? []);
  // Absent where the kernel has no pressure stall information.
  vars.publish("system-pressure", () => latest().pressure ?? null);
  vars.publish("perf-collector", () => ({ ...perf.stats(), watchers: watchers.stats(), history: history.stats() }));
}

export async function startAgent(config: AgentConfig, logger: Logger): Promise<RunningAgent> {
  prepareDataDir(config);
  const releaseLock = acquireLock(config.lockPath);
  const cleanups: Array<() => Promise<void> | void> = [releaseLock];
  try {
    const token = loadOrCreateToken(config.tokenPath);
    const tokenOk = createTokenCheck(token);
    const startedAt = new Date();
    const vars = new VarRegistry();
    const rpcCalls = new CounterMap();
    publishProcessVars(vars);
    vars.publish("rpc-calls", () => rpcCalls.toJSON());
    const metrics = new AgentMetrics();

    const selected = await selectRuntime({
      preference: config.runtime,
      sandbox: config.sandbox,
      hiddenPaths: [config.dataDir],
      stateDir: config.runtimeStateDir,
      supervisor: { logger },
    });
    const { isolation } = selected.runtime;
    if (!isolation.sandboxed) {
      // Loud on purpose: with "required" every install is refused; with "auto"/"off" services run unsandboxed.
      logger.warn({ isolation }, isolation.policy === "required" ? `services cannot be sandboxed, so installs are refused: ${isolation.detail}` : `services are NOT SANDBOXED: ${isolation.detail}`);
    }
    cleanups.unshift(() => selected.runtime.close());
    const runtimeInfo = { name: selected.runtime.name, reason: selected.reason, capabilities: selected.runtime.capabilities, isolation };
    // WatchServices: one look at the services while anyone watches; the manager's changes ask for an early one.
    const serviceWatchers = new ServiceWatchers({
      list: () => services.list(),
      pollMs: config.serviceWatchMs,
      onError: (err) => logger.warn({ err }, "service watch error"),
    });
    // Recovery (journals, staging, services that should run) completes before the socket serves.
    const services = new ServiceManager({
      packagesDir: config.packagesDir,
      stagingDir: config.stagingDir,
      runtime: selected.runtime,
      maxPackageBytes: config.maxPackageBytes,
      defaultHealthSeconds: config.defaultHealthSeconds,
      logger,
      crashAt: config.crashAt,
      serviceUidBase: config.serviceUidBase,
      onInstall: metrics.countInstall,
      onChange: () => serviceWatchers.changed(),
    });
    await services.init();
    cleanups.unshift(() => services.close());
    cleanups.unshift(() => serviceWatchers.close());

    // History is closed after the collector stops, so the last samples are flushed.
    const history = PerfHistory.open(config.historyPath, {
      onWarning: (msg) => logger.warn(msg),
      retention: config.historyRetention,
      maxBytes: config.historyMaxBytes,
    });
    cleanups.unshift(() => history.close());
    const perf = new PerfCollector({
      intervalMs: config.perfIntervalMs,
      servicePids: () => selected.runtime.pids(),
      ...(selected.runtime.controlGroups && { serviceCgroups: () => selected.runtime.controlGroups!() }),
      history,
      onError: (err, source) => logger.warn({ err, source }, "perf collection error"),
    });
    await perf.start();
    cleanups.unshift(() => perf.stop());
    const watchers = new PerfWatchers(perf);
    // GetService's CPU and RSS: from the cached sample, never from /proc per call.
    const servicePerf = (name: string) => {
      try {
        return perf.latest().services.find((s) => s.name === name);
      } catch {
        return undefined; // no sample yet
      }
    };
    publishPerfVars(vars, perf, history, watchers);
    vars.publish("service-watchers", () => serviceWatchers.stats());
    metrics.observe({
      perf,
      services,
      agentVersion: pkg.version,
      runtime: runtimeInfo.name,
      onError: (err) => logger.warn({ err }, "metrics collection error"),
    });
    vars.publish("agent", () => ({
      version: pkg.version,
      started: startedAt.toISOString(),
      runtime: runtimeInfo.name,
      runtimeReason: runtimeInfo.reason,
      isolation,
      dataDir: config.dataDir,
      perfIntervalMs: config.perfIntervalMs,
    }));

    const routes = createRoutes(
      infoHandlers({
        inventory: readInventory(),
        agentVersion: pkg.version,
        startedAt,
        perfIntervalMs: config.perfIntervalMs,
        runtime: runtimeInfo,
      }),
      perfHandlers({ perf, history, watchers }),
      installHandlers({ services, servicePerf, idleSeconds: config.installIdleSeconds }),
      serviceHandlers({ services, servicePerf, watchers: serviceWatchers }),
      logHandlers({ services }),
    );
    const server = await startAgentServer({
      socketPath: config.socketPath,
      routes,
      interceptors: [metricsInterceptor(metrics.rpc), loggingInterceptor(logger, rpcCalls), authInterceptor(tokenOk), errorsInterceptor(logger)],
      isAuthorized: (h) => tokenOk(h),
      httpRoutes: { "/debug/vars": (req, res) => serveDebugVars(vars, req, res), "/metrics": metrics.serve },
      logger,
      tcp: config.listen && { ...readTlsFiles(config.listen), limits: config.tlsLimits },
    });
    cleanups.unshift(() => server.close());
    if (config.credentialUpkeep && config.listen) {
      // Loaded only by an enrolled agent: its X.509/CRL parsing (asn1js, @peculiar) is ~2 MB of heap once evaluated.
      const { CredentialUpkeep } = await import("./credentials/credential-upkeep");
      const upkeep = new CredentialUpkeep({ ...config.credentialUpkeep, dataDir: config.dataDir, logger, apply: (tls) => server.reloadTls(tls) });
      vars.publish("tls", () => upkeep.stats());
      metrics.observeTls(() => upkeep.stats());
      upkeep.start();
      cleanups.unshift(() => upkeep.stop());
    }

    return {
      tcpAddress: server.tcpAddress,
      async stop() {
        for (const c of cleanups.splice(0)) {
          try {
            await c();
          } catch (err) {
            logger.error({ err }, "error during shutdown");
          }
        }
      },
    };
  } catch (err) {
    for (const c of cleanups) await c();
    throw err;
  }
}
