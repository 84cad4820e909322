// One reading of everything the perf sample is computed from. Two readings make a sample
// (CPU figures are differences of cumulative counters).
import { performance } from "node:perf_hooks";
import { readCgroups, type CgroupReading } from "./cgroup-usage";
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
  /** Services counted by their process tree, and those whose cgroup has no memory figures (for RSS). */
  tree: TreeReading;
  /** Services counted by their own cgroup. */
  cgroups: ReadonlyMap<string, CgroupReading>;
  devices: DeviceReading;
}

export function readHost(
  procRoot: string,
  treeReader: ProcessTreeReader,
  servicePids: ReadonlyMap<string, readonly number[]>,
  deviceReader: DeviceReader,
  serviceCgroups: ReadonlyMap<string, string> = new Map(),
): HostReading {
  const monoMs = performance.now();
  const wallMs = Date.now();
  const stat = parseStat(must(`${procRoot}/stat`));
  const uptimeSeconds = parseUptime(must(`${procRoot}/uptime`));
  const cgroups = readCgroups(serviceCgroups);
  const processes = treeReader.read(cgroups.size === 0 ? servicePids : new Map([...servicePids].filter(([name]) => !cgroups.get(name)?.memory)));
  return {
    wallMs,
    monoMs,
    stat,
    mem: parseMeminfo(must(`${procRoot}/meminfo`)),
    load: parseLoadavg(must(`${procRoot}/loadavg`)),
    tree: { processes, uptimeSeconds },
    cgroups,
    devices: deviceReader.read(monoMs),
  };
}

function must(path: string): string {
  const text = readProcText(path, true);
  if (text === undefined) throw new Error(`${path} does not exist: is /proc mounted?`);
  return text;
}
