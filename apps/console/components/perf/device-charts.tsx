"use client";

import { fullestFilesystem } from "@sysward/contract";
import { formatPercent } from "../../lib/client/format";
import { mountPoints, type ChartPoint } from "../../lib/client/perf-points";
import { seriesColor } from "./chart-theme";
import type { ChartWindow } from "./chart-window";
import { LinesChart } from "./lines-chart";

const READ = seriesColor(0);
const WRITE = seriesColor(2);

/** The host's disks (throughput, space per mount), network and pressure stall, for any range. */
export function DeviceCharts({ win, spanMs, rangeId }: { win: ChartWindow; spanMs: number; rangeId: string }) {
  const common = { win, spanMs, rangeId };
  const mounts = mountPoints(win.points);
  const latest = win.points.at(-1);
  const fullest = latest
    ? fullestFilesystem({ filesystems: Object.entries(latest.devices.filesystems).map(([mountPoint, f]) => ({ mountPoint, usedBytes: f.used, sizeBytes: f.size })) })
    : undefined;
  const usedPercent = (mount: string) => (p: ChartPoint) => {
    const f = p.devices.filesystems[mount];
    return f && f.size > 0 ? (f.used / f.size) * 100 : undefined;
  };
  return (
    <>
      <LinesChart
        {...common}
        id="disk-io"
        title="Disk I/O"
        subtitle="read and written per second, every disk"
        unit="bytes-per-second"
        emptyText="The agent reported no disks in this range."
        lines={[
          { key: "read", label: "Read", color: READ, value: (p) => p.devices.disk?.read },
          { key: "write", label: "Written", color: WRITE, value: (p) => p.devices.disk?.write },
        ]}
      />
      <LinesChart
        {...common}
        id="network"
        title="Network"
        subtitle="received and sent per second (hardware interfaces; in a container, its virtual ones)"
        unit="bytes-per-second"
        emptyText="The agent reported no network interface but loopback in this range."
        lines={[
          { key: "rx", label: "Received", color: READ, value: (p) => p.devices.net?.rx },
          { key: "tx", label: "Sent", color: WRITE, value: (p) => p.devices.net?.tx },
        ]}
      />
      <LinesChart
        {...common}
        id="disk-space"
        title="Disk space"
        subtitle={fullest ? `in use per filesystem; fullest ${fullest.mountPoint} at ${formatPercent(fullest.usedPercent)}` : "in use per filesystem"}
        unit="percent"
        emptyText="The agent reported no filesystems in this range."
        lines={mounts.map((m, i) => ({ key: m, label: m, color: seriesColor(i), value: usedPercent(m) }))}
      />
      <LinesChart
        {...common}
        id="pressure"
        title="Pressure"
        subtitle="share of time some task waited for CPU, memory or I/O (10 s average)"
        unit="percent"
        emptyText="This kernel reports no pressure stall information (/proc/pressure)."
        lines={[
          { key: "cpu", label: "CPU", color: seriesColor(0), value: (p) => p.devices.pressure?.cpu },
          { key: "memory", label: "Memory", color: seriesColor(1), value: (p) => p.devices.pressure?.memory },
          { key: "io", label: "I/O", color: seriesColor(2), value: (p) => p.devices.pressure?.io },
        ]}
      />
    </>
  );
}
