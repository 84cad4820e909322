// A perf sample for people: the full picture for `sysward perf`, one line per sample for --watch.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { PerfSample } from "@sysward/proto";
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
  const text = `${lines.join("\n")}\n`;
  if (s.services.length === 0) return `${text}no services\n`;
  const rows = [...s.services]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => [p.name, formatPercent(p.cpuPercent), formatBytes(p.rssBytes), String(p.processCount)]);
  return `${text}\n${formatTable(["SERVICE", "CPU", "RSS", "PROCS"], rows)}`;
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
