// The agent's /metrics: one prom-client Registry of its own (never prom-client's global one), fed
// only from state the agent already keeps — the perf collector's latest sample and ticks, the
// service manager's view, and counters bumped as installs and RPCs happen. Built in two steps
// because the install and RPC counters must exist before the parts they count.
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { ServiceManager } from "../install/service-manager";
import type { PerfCollector } from "../perf/perf-collector";
import { registerInstallMetrics, type InstallEvent } from "./install-metrics";
import { RpcMetrics } from "./rpc-metrics";
import { serveMetrics } from "./serve-metrics";
import { ServiceCpuSeconds } from "./service-cpu-seconds";
import { registerServiceMetrics } from "./service-metrics";
import { registerSystemMetrics } from "./system-metrics";
import { registerTlsMetrics } from "./tls-metrics";
import type { CredentialUpkeepStats } from "../credentials/credential-upkeep";

export interface AgentMetricsSources {
  perf: PerfCollector;
  services: Pick<ServiceManager, "list">;
  agentVersion: string;
  runtime: string;
  onError: (err: unknown) => void;
}

export class AgentMetrics {
  readonly registry = new Registry();
  readonly rpc: RpcMetrics;
  /** ServiceManager's onInstall hook. */
  readonly countInstall: (event: InstallEvent) => void;
  #onError: (err: unknown) => void = () => {};

  constructor() {
    // The agent's own process (CPU, RSS, heap, fds, event-loop lag, GC) under sysward_agent_: it
    // reads only /proc/self. Event-loop delay is sampled every 100 ms, not prom-client's 10 ms,
    // so an idle agent does not wake 100 times a second for it.
    collectDefaultMetrics({ register: this.registry, prefix: "sysward_agent_", eventLoopMonitoringPrecision: 100 });
    this.rpc = new RpcMetrics(this.registry);
    this.countInstall = registerInstallMetrics(this.registry);
  }

  /** Adds the machine and service families once the collector and the manager run. */
  observe(src: AgentMetricsSources): void {
    this.#onError = src.onError;
    const cpu = new ServiceCpuSeconds();
    src.perf.subscribe((sample) => cpu.add(sample));
    registerSystemMetrics(this.registry, src.perf);
    registerServiceMetrics(this.registry, {
      list: () => src.services.list(),
      latestSample: () => {
        try {
          return src.perf.latest();
        } catch {
          return undefined;
        }
      },
      cpu,
      onError: src.onError,
    });
    const info = new Gauge({
      name: "sysward_agent_info",
      help: "Always 1: the agent's version and service runtime as labels.",
      labelNames: ["version", "runtime"],
      registers: [this.registry],
    });
    info.set({ version: src.agentVersion, runtime: src.runtime }, 1);
  }

  /** Adds the TLS credential gauges, for an enrolled agent. */
  observeTls(stats: () => CredentialUpkeepStats): void {
    registerTlsMetrics(this.registry, stats);
  }

  /** The /metrics route for the agent's server. */
  readonly serve = (req: Http2ServerRequest, res: Http2ServerResponse): void => serveMetrics(this.registry, req, res, this.#onError);
}
