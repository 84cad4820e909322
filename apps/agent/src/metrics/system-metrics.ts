// The machine as the perf collector last saw it: CPU seconds by mode (counters from the cumulative
// /proc/stat ticks of the latest reading), memory, load, and the collector's own health.
// Every value comes from the cached sample: a scrape never reads /proc.
import type { PerfSample } from "@sysward/proto";
import { Counter, Gauge, type Registry } from "prom-client";
import type { PerfCollector } from "../perf/perf-collector";
import type { CpuTicks } from "../perf/proc-parsers";

const CPU_MODES = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"] as const satisfies readonly (keyof CpuTicks)[];

type PerfSource = Pick<PerfCollector, "latest" | "latestTicks" | "clockTicksPerSecond" | "stats">;

export function registerSystemMetrics(registry: Registry, perf: PerfSource): void {
  const registers = [registry];
  const latest = (): PerfSample | undefined => {
    try {
      return perf.latest();
    } catch {
      return undefined; // no sample yet (the agent serves only after the first one, so rare)
    }
  };
  /** A gauge without labels whose value is read from the latest sample. */
  const fromSample = (name: string, help: string, read: (s: PerfSample) => number | bigint | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const s = latest();
        const v = s && read(s);
        if (v !== undefined) this.set(Number(v));
      },
    });

  new Counter({
    name: "sysward_system_cpu_seconds_total",
    help: "CPU time of all cores together since boot, by mode (/proc/stat as of the latest perf sample).",
    labelNames: ["mode"],
    registers,
    collect() {
      const ticks = perf.latestTicks();
      if (!ticks) return;
      this.reset();
      for (const mode of CPU_MODES) this.inc({ mode }, ticks[mode] / perf.clockTicksPerSecond);
    },
  });
  fromSample("sysward_system_cpus", "Online CPU cores in the latest perf sample.", (s) => s.cores.length);
  fromSample("sysward_system_memory_total_bytes", "MemTotal.", (s) => s.memory?.totalBytes);
  fromSample("sysward_system_memory_available_bytes", "MemAvailable: what can be given to new work without swapping.", (s) => s.memory?.availableBytes);
  fromSample("sysward_system_memory_used_bytes", "MemTotal - MemAvailable.", (s) => s.memory?.usedBytes);
  fromSample("sysward_system_memory_free_bytes", "MemFree.", (s) => s.memory?.freeBytes);
  fromSample("sysward_system_memory_buffers_bytes", "Buffers.", (s) => s.memory?.buffersBytes);
  fromSample("sysward_system_memory_cached_bytes", "Cached.", (s) => s.memory?.cachedBytes);
  fromSample("sysward_system_swap_total_bytes", "SwapTotal.", (s) => s.memory?.swapTotalBytes);
  fromSample("sysward_system_swap_free_bytes", "SwapFree.", (s) => s.memory?.swapFreeBytes);
  fromSample("sysward_system_load1", "Load average over 1 minute.", (s) => s.load?.one);
  fromSample("sysward_system_load5", "Load average over 5 minutes.", (s) => s.load?.five);
  fromSample("sysward_system_load15", "Load average over 15 minutes.", (s) => s.load?.fifteen);
  fromSample("sysward_system_sample_timestamp_seconds", "Wall-clock time of the latest perf sample (its age shows a stalled collector).", (s) =>
    s.time ? Number(s.time.seconds) + s.time.nanos / 1e9 : undefined,
  );

  /** A family with labels, one series per row of the latest sample (node_exporter's names, sysward_ prefix). */
  const perRow = <L extends string>(kind: "gauge" | "counter", name: string, help: string, labelNames: readonly L[], rows: (s: PerfSample) => Array<[Record<L, string>, number | bigint]>) => {
    const collect = function (this: Gauge<L> | Counter<L>) {
      const s = latest();
      this.reset();
      if (!s) return;
      for (const [labels, v] of rows(s)) {
        if (this instanceof Gauge) this.set(labels, Number(v));
        else this.inc(labels, Number(v));
      }
    };
    return kind === "gauge" ? new Gauge({ name, help, labelNames, registers, collect }) : new Counter({ name, help, labelNames, registers, collect });
  };
  const fsLabels = ["mountpoint", "device", "fstype"] as const;
  const fsRows = (read: (f: NonNullable<PerfSample["filesystems"]>[number]) => bigint) => (s: PerfSample) =>
    s.filesystems.map((f): [Record<(typeof fsLabels)[number], string>, bigint] => [{ mountpoint: f.mountPoint, device: f.device, fstype: f.fsType }, read(f)]);
  perRow("gauge", "sysward_filesystem_size_bytes", "Filesystem size.", fsLabels, fsRows((f) => f.sizeBytes));
  perRow("gauge", "sysward_filesystem_avail_bytes", "Space an unprivileged process can still write.", fsLabels, fsRows((f) => f.availBytes));
  perRow("gauge", "sysward_filesystem_used_bytes", "Size minus free space, as df counts it.", fsLabels, fsRows((f) => f.usedBytes));
  perRow("gauge", "sysward_filesystem_files", "Inodes.", fsLabels, fsRows((f) => f.files));
  perRow("gauge", "sysward_filesystem_files_free", "Free inodes.", fsLabels, fsRows((f) => f.filesFree));
  const disk = (read: (d: PerfSample["disks"][number]) => number | bigint) => (s: PerfSample) => s.disks.map((d): [{ device: string }, number | bigint] => [{ device: d.device }, read(d)]);
  perRow("counter", "sysward_disk_read_bytes_total", "Bytes read from the disk since boot.", ["device"], disk((d) => d.readBytesTotal));
  perRow("counter", "sysward_disk_written_bytes_total", "Bytes written to the disk since boot.", ["device"], disk((d) => d.writtenBytesTotal));
  perRow("counter", "sysward_disk_reads_completed_total", "Reads completed since boot.", ["device"], disk((d) => d.readsTotal));
  perRow("counter", "sysward_disk_writes_completed_total", "Writes completed since boot.", ["device"], disk((d) => d.writesTotal));
  perRow("counter", "sysward_disk_io_time_seconds_total", "Time the disk had I/O in flight since boot.", ["device"], disk((d) => d.ioTimeSecondsTotal));
  const net = (read: (n: PerfSample["networks"][number]) => bigint) => (s: PerfSample) =>
    s.networks.map((n): [{ device: string; virtual: string }, bigint] => [{ device: n.device, virtual: String(n.virtual || n.loopback) }, read(n)]);
  const netLabels = ["device", "virtual"] as const;
  perRow("counter", "sysward_network_receive_bytes_total", "Bytes received on the interface.", netLabels, net((n) => n.receiveBytesTotal));
  perRow("counter", "sysward_network_transmit_bytes_total", "Bytes sent on the interface.", netLabels, net((n) => n.transmitBytesTotal));
  perRow("counter", "sysward_network_receive_packets_total", "Packets received on the interface.", netLabels, net((n) => n.receivePacketsTotal));
  perRow("counter", "sysward_network_transmit_packets_total", "Packets sent on the interface.", netLabels, net((n) => n.transmitPacketsTotal));
  perRow("counter", "sysward_network_receive_errs_total", "Receive errors on the interface.", netLabels, net((n) => n.receiveErrorsTotal));
  perRow("counter", "sysward_network_transmit_errs_total", "Transmit errors on the interface.", netLabels, net((n) => n.transmitErrorsTotal));
  perRow("counter", "sysward_network_receive_drop_total", "Received packets dropped on the interface.", netLabels, net((n) => n.receiveDropsTotal));
  perRow("counter", "sysward_network_transmit_drop_total", "Packets to send dropped on the interface.", netLabels, net((n) => n.transmitDropsTotal));
  // Pressure as node_exporter names it: "waiting" is PSI's "some", "stalled" its "full". Absent
  // (no series at all) where the kernel has no PSI, never zero.
  const stallSeconds = (read: (p: NonNullable<PerfSample["pressure"]>) => number | undefined) => (s: PerfSample) => {
    const v = s.pressure && read(s.pressure);
    return v === undefined ? [] : [[{}, v] as [Record<never, string>, number]];
  };
  perRow("counter", "sysward_pressure_cpu_waiting_seconds_total", "Time at least one task waited for CPU.", [], stallSeconds((p) => p.cpu?.some?.totalSeconds));
  perRow("counter", "sysward_pressure_memory_waiting_seconds_total", "Time at least one task waited for memory.", [], stallSeconds((p) => p.memory?.some?.totalSeconds));
  perRow("counter", "sysward_pressure_memory_stalled_seconds_total", "Time all non-idle tasks waited for memory.", [], stallSeconds((p) => p.memory?.full?.totalSeconds));
  perRow("counter", "sysward_pressure_io_waiting_seconds_total", "Time at least one task waited for I/O.", [], stallSeconds((p) => p.io?.some?.totalSeconds));
  perRow("counter", "sysward_pressure_io_stalled_seconds_total", "Time all non-idle tasks waited for I/O.", [], stallSeconds((p) => p.io?.full?.totalSeconds));

  new Counter({
    name: "sysward_agent_perf_samples_total",
    help: "Perf samples the collector has published.",
    registers,
    collect() {
      this.reset();
      this.inc(perf.stats().samplesTaken);
    },
  });
  new Counter({
    name: "sysward_agent_perf_errors_total",
    help: "Perf collection, history or subscriber errors (the collector keeps going).",
    registers,
    collect() {
      this.reset();
      this.inc(perf.stats().errors);
    },
  });
  new Gauge({
    name: "sysward_agent_perf_collect_seconds",
    help: "Wall time of the last collection (reading /proc and building the sample).",
    registers,
    collect() {
      this.set(perf.stats().lastCollectMs / 1000);
    },
  });
}
