// Per-service figures: state, restarts and the installed version from the service manager's view
// (ServiceManager.list(): in memory under the supervisor; one `systemctl show` per service under
// systemd, as ListServices costs), RSS, process count and (cgroup accounting) memory and I/O from the latest perf sample, CPU seconds
// from the ServiceCpuSeconds integral. One list() serves every family of a scrape.
import { ServiceAccounting, type PerfSample, type ServicePerf } from "@sysward/proto";
import { Counter, Gauge, type Registry } from "prom-client";
import type { ServiceView } from "../install/service-types";
import type { ServiceRunState } from "../runtime/runtime";
import type { ServiceCpuSeconds } from "./service-cpu-seconds";

/** Every run state, so each service has a series per state (1 for the current one, else 0). */
const RUN_STATES = Object.keys({ starting: 0, running: 0, backoff: 0, stopped: 0, failed: 0 } satisfies Record<ServiceRunState, 0>);

export interface ServiceMetricsSources {
  list(): Promise<ServiceView[]>;
  latestSample(): PerfSample | undefined;
  cpu: ServiceCpuSeconds;
  /** A failed list(): the service families are left empty for that scrape. */
  onError(err: unknown): void;
}

interface Snapshot {
  views: ServiceView[];
  usage: Map<string, ServicePerf>;
}

export function registerServiceMetrics(registry: Registry, src: ServiceMetricsSources): void {
  const registers = [registry];
  // The families of one scrape call collect() back to back before any awaits: they share one
  // in-flight snapshot, which is dropped once it settles so the next scrape reads afresh.
  let inflight: Promise<Snapshot> | undefined;
  const snapshot = (): Promise<Snapshot> =>
    (inflight ??= takeSnapshot(src).finally(() => {
      inflight = undefined;
    }));

  /** A gauge or counter labelled by service, rebuilt from the snapshot on every scrape. */
  function perService(
    kind: "gauge" | "counter",
    name: string,
    help: string,
    extraLabels: string[],
    values: (v: ServiceView, s: Snapshot) => Array<[Record<string, string>, number]>,
  ): void {
    const labelNames = ["service", ...extraLabels];
    const fill = async (m: Gauge | Counter) => {
      const snap = await snapshot();
      m.reset();
      for (const view of snap.views) {
        for (const [labels, value] of values(view, snap)) {
          const all = { service: view.name, ...labels };
          if (m instanceof Gauge) m.set(all, value);
          else m.inc(all, value);
        }
      }
    };
    if (kind === "gauge") new Gauge({ name, help, labelNames, registers, collect: function () { return fill(this); } });
    else new Counter({ name, help, labelNames, registers, collect: function () { return fill(this); } });
  }

  perService("counter", "sysward_service_cpu_seconds_total", "CPU time of the service's process tree while this agent has watched it (integral of the perf samples).", [], (v) => [
    [{}, src.cpu.get(v.name)],
  ]);
  perService("gauge", "sysward_service_memory_rss_bytes", "Resident memory of the service's process tree in the latest perf sample (0 when not running).", [], (v, s) => [
    [{}, Number(s.usage.get(v.name)?.rssBytes ?? 0)],
  ]);
  perService("gauge", "sysward_service_processes", "Processes in the service's tree in the latest perf sample.", [], (v, s) => [
    [{}, s.usage.get(v.name)?.processCount ?? 0],
  ]);
  // Cgroup accounting only (systemd units): a service counted by its process tree has no series.
  const cgroupFigure = (help: string, name: string, figure: (u: ServicePerf) => bigint | undefined, kind: "gauge" | "counter" = "gauge") =>
    perService(kind, name, help, [], (v, s) => {
      const value = s.usage.get(v.name);
      const n = value && figure(value);
      return n === undefined ? [] : [[{}, Number(n)]];
    });
  cgroupFigure("Memory charged to the service's cgroup, page cache included (what MemoryMax= limits).", "sysward_service_memory_bytes", (u) => u.memoryBytes);
  cgroupFigure("The most memory the service's cgroup was ever charged (kernel 5.19+).", "sysward_service_memory_peak_bytes", (u) => u.memoryPeakBytes);
  cgroupFigure("Bytes the service's cgroup read from block devices (io controller).", "sysward_service_io_read_bytes_total", (u) => u.ioReadBytesTotal, "counter");
  cgroupFigure("Bytes the service's cgroup wrote to block devices (io controller).", "sysward_service_io_written_bytes_total", (u) => u.ioWrittenBytesTotal, "counter");
  perService("gauge", "sysward_service_accounting", "1 for where the service's figures come from: its own cgroup, or its process tree.", ["source"], (v, s) => {
    const a = s.usage.get(v.name)?.accounting;
    return a === undefined ? [] : [[{ source: a === ServiceAccounting.CGROUP ? "cgroup" : "process-tree" }, 1]];
  });
  perService("counter", "sysward_service_restarts_total", "Restarts after crashes since the service was last started (resets on start, install, restart).", [], (v) => [
    [{}, v.restarts],
  ]);
  perService("gauge", "sysward_service_state", "1 for the service's current run state, 0 for the others.", ["state"], (v) =>
    RUN_STATES.map((state) => [{ state }, v.state === state ? 1 : 0]),
  );
  perService("gauge", "sysward_service_enabled", "1 when the agent keeps the service running (desired state), else 0.", [], (v) => [
    [{}, v.enabled ? 1 : 0],
  ]);
  perService("gauge", "sysward_service_info", "Always 1: the service's current version and runtime as labels.", ["version", "runtime"], (v) => [
    [{ version: v.version?.id ?? "", runtime: v.runtime }, 1],
  ]);
}

async function takeSnapshot(src: ServiceMetricsSources): Promise<Snapshot> {
  let views: ServiceView[];
  try {
    views = await src.list();
    src.cpu.retainOnly(new Set(views.map((v) => v.name)));
  } catch (err) {
    src.onError(err);
    views = [];
  }
  const usage = new Map<string, ServicePerf>();
  for (const s of src.latestSample()?.services ?? []) usage.set(s.name, s);
  return { views, usage };
}
