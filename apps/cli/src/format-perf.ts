// A perf sample for people: the full picture for `sysward perf` (host, filesystems, disks,
// interfaces, services), one line per sample for --watch.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ServiceAccounting, type PerfSample, type Pressure } from "@sysward/proto";
import { formatBytes, formatPercent, formatTable } from "./output";

function time(s: PerfSample): string {
  return s.time ? timestampDate(s.time).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z") : "-";
}

export function perfReport(agent: string, s: PerfSample): string {
  const cpu = s.cpu;
  const mem = s.memory;
  const lines = [
    `agent ${agent} at ${time(s)}${s.intervalMs ? ` (${s.intervalMs} ms interval)` : ""}`,
    cpu
      ? `cpu     ${formatPercent(cpu.busyPercent)} busy (user ${formatPercent(cpu.userPercent)}, system ${formatPercent(cpu.systemPercent)}, iowait ${formatPercent(cpu.iowaitPercent)}, steal ${formatPercent(cpu.stealPercent)}) on ${s.cores.length} core${s.cores.length === 1 ? "" : "s"}`
      : "cpu     -",
    mem
      ? `memory  ${formatBytes(mem.usedBytes)} of ${formatBytes(mem.totalBytes)} used (${formatPercent(mem.usedPercent)}), ${formatBytes(mem.availableBytes)} available; swap ${formatBytes(mem.swapTotalBytes - mem.swapFreeBytes)} of ${formatBytes(mem.swapTotalBytes)}`
      : "memory  -",
    s.load ? `load    ${s.load.one.toFixed(2)} ${s.load.five.toFixed(2)} ${s.load.fifteen.toFixed(2)}` : "load    -",
  ];
  const pressure = pressureLine(s.pressure);
  if (pressure) lines.push(pressure);
  const sections = [`${lines.join("\n")}\n`];
  if (s.filesystems.length > 0) {
    sections.push(
      formatTable(
        ["FILESYSTEM", "DEVICE", "TYPE", "SIZE", "USED", "AVAIL", "USE"],
        s.filesystems.map((f) => [f.mountPoint, f.device, f.fsType, formatBytes(f.sizeBytes), formatBytes(f.usedBytes), formatBytes(f.availBytes), formatPercent(usePercent(f.usedBytes, f.availBytes))]),
      ),
    );
  }
  if (s.disks.length > 0) {
    sections.push(
      formatTable(
        ["DISK", "READ/S", "WRITE/S", "BUSY"],
        s.disks.map((d) => [d.device, formatBytes(Math.round(d.readBytesPerSecond)), formatBytes(Math.round(d.writtenBytesPerSecond)), formatPercent(d.busyPercent)]),
      ),
    );
  }
  if (s.networks.length > 0) {
    sections.push(
      formatTable(
        ["INTERFACE", "RECEIVE/S", "SEND/S", "ERRORS", "DROPS"],
        s.networks.map((n) => [
          `${n.device}${n.loopback ? " (loopback)" : n.virtual ? " (virtual)" : ""}`,
          formatBytes(Math.round(n.receiveBytesPerSecond)),
          formatBytes(Math.round(n.transmitBytesPerSecond)),
          String(n.receiveErrorsTotal + n.transmitErrorsTotal),
          String(n.receiveDropsTotal + n.transmitDropsTotal),
        ]),
      ),
    );
  }
  if (s.services.length === 0) return `${sections.join("\n")}no services\n`;
  const rows = [...s.services]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => [
      p.name,
      formatPercent(p.cpuPercent),
      formatBytes(p.rssBytes),
      p.memoryBytes !== undefined ? formatBytes(p.memoryBytes) : "-",
      p.ioReadBytesPerSecond !== undefined ? formatBytes(Math.round(p.ioReadBytesPerSecond)) : "-",
      p.ioWrittenBytesPerSecond !== undefined ? formatBytes(Math.round(p.ioWrittenBytesPerSecond)) : "-",
      String(p.processCount),
      p.accounting === ServiceAccounting.CGROUP ? "cgroup" : "tree",
    ]);
  sections.push(formatTable(["SERVICE", "CPU", "RSS", "CHARGED", "READ/S", "WRITE/S", "PROCS", "FROM"], rows));
  return sections.join("\n");
}

/** "pressure cpu 1.2%  memory 0.0% (full 0.0%)  io 3.4% (full 1.0%)": avg10 of "some" and "full". */
function pressureLine(p: Pressure | undefined): string | undefined {
  if (!p) return undefined;
  const parts: string[] = [];
  for (const [name, stall] of [["cpu", p.cpu], ["memory", p.memory], ["io", p.io]] as const) {
    if (!stall?.some) continue;
    parts.push(`${name} ${formatPercent(stall.some.avg10Percent)}${stall.full ? ` (full ${formatPercent(stall.full.avg10Percent)})` : ""}`);
  }
  return parts.length > 0 ? `pressure ${parts.join("  ")} waiting, last 10 s` : undefined;
}

/** As df: used of what a user can have (used + avail), not of the size with root's reserve. */
function usePercent(used: bigint, avail: bigint): number {
  const total = Number(used + avail);
  return total > 0 ? (Number(used) / total) * 100 : 0;
}

/** `2025-01-02 10:00:01Z  cpu 12.5%  mem 31.2% (1.2 GiB)  load 0.52  hello 0.1%/45.2 MiB` */
export function perfLine(s: PerfSample): string {
  const parts = [time(s)];
  if (s.cpu) parts.push(`cpu ${formatPercent(s.cpu.busyPercent).padStart(6)}`);
  if (s.memory) parts.push(`mem ${formatPercent(s.memory.usedPercent).padStart(6)} (${formatBytes(s.memory.usedBytes)})`);
  if (s.load) parts.push(`load ${s.load.one.toFixed(2)}`);
  for (const p of [...s.services].sort((a, b) => a.name.localeCompare(b.name))) {
    parts.push(`${p.name} ${formatPercent(p.cpuPercent)}/${formatBytes(p.rssBytes)}`);
  }
  return parts.join("  ");
}
