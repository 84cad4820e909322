// One reading of everything the perf sample is computed from. Two readings make a sample
// (CPU figures are differences of cumulative counters).
import { performance } from "node:perf_hooks";
import type { DeviceReader, DeviceReading } from "./device-reading";
import { parseLoadavg, parseMeminfo, parseStat, parseUptime, type LoadAvg, type MemInfo, type StatReading } from "./proc-parsers";
import { readProcText } from "./proc-reader";
import type { ProcessTreeReader } from "./process-tree";
import type { TreeReading } from "./service-usage";

export interface HostReading {
  /** Wall clock (ms since the epoch): the sample's time. */
  wallMs: number;
  /** Monotonic (performance.now()): the sample's interval. */
  monoMs: number;
  stat: StatReading;
  mem: MemInfo;
  load: LoadAvg;
  tree: TreeReading;
  devices: DeviceReading;
}

export function readHost(
  procRoot: string,
  treeReader: ProcessTreeReader,
  servicePids: ReadonlyMap<string, readonly number[]>,
  deviceReader: DeviceReader,
): HostReading {
  const monoMs = performance.now();
  const wallMs = Date.now();
  const stat = parseStat(must(`${procRoot}/stat`));
  const uptimeSeconds = parseUptime(must(`${procRoot}/uptime`));
  const processes = treeReader.read(servicePids);
  return {
    wallMs,
    monoMs,
    stat,
    mem: parseMeminfo(must(`${procRoot}/meminfo`)),
    load: parseLoadavg(must(`${procRoot}/loadavg`)),
    tree: { processes, uptimeSeconds },
    devices: deviceReader.read(monoMs),
  };
}

function must(path: string): string {
  const text = readProcText(path);
  if (text === undefined) throw new Error(`${path} does not exist: is /proc mounted?`);
  return text;
}
