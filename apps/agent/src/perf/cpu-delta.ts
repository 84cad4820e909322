// Pure: two cumulative /proc/stat readings → the share of CPU time spent in each state
// over the interval between them, in percent (0..100) of all the cores the line covers.
import type { CpuTicks, StatReading } from "./proc-parsers";

export interface CpuPercents {
  userPercent: number;
  nicePercent: number;
  systemPercent: number;
  idlePercent: number;
  iowaitPercent: number;
  irqPercent: number;
  softirqPercent: number;
  stealPercent: number;
  /** 100 - idle - iowait. */
  busyPercent: number;
}

const ZERO: CpuPercents = {
  userPercent: 0,
  nicePercent: 0,
  systemPercent: 0,
  idlePercent: 0,
  iowaitPercent: 0,
  irqPercent: 0,
  softirqPercent: 0,
  stealPercent: 0,
  busyPercent: 0,
};

// A counter can step backwards (per-core iowait is known to; a core that went offline and came
// back restarts from 0): such a field counts as no time rather than as negative time.
const delta = (cur: number, prev: number) => Math.max(0, cur - prev);

export function cpuPercents(prev: CpuTicks, cur: CpuTicks): CpuPercents {
  const d = {
    user: delta(cur.user, prev.user),
    nice: delta(cur.nice, prev.nice),
    system: delta(cur.system, prev.system),
    idle: delta(cur.idle, prev.idle),
    iowait: delta(cur.iowait, prev.iowait),
    irq: delta(cur.irq, prev.irq),
    softirq: delta(cur.softirq, prev.softirq),
    steal: delta(cur.steal, prev.steal),
  };
  const total = d.user + d.nice + d.system + d.idle + d.iowait + d.irq + d.softirq + d.steal;
  // No tick elapsed (readings closer than 1/USER_HZ apart): nothing to report rather than NaN.
  if (total === 0) return { ...ZERO };
  const pct = (v: number) => (v / total) * 100;
  return {
    userPercent: pct(d.user),
    nicePercent: pct(d.nice),
    systemPercent: pct(d.system),
    idlePercent: pct(d.idle),
    iowaitPercent: pct(d.iowait),
    irqPercent: pct(d.irq),
    softirqPercent: pct(d.softirq),
    stealPercent: pct(d.steal),
    busyPercent: Math.max(0, 100 - pct(d.idle) - pct(d.iowait)),
  };
}

/** Per core, matched by id; a core missing from the earlier reading (hot-plugged) is skipped. */
export function corePercents(prev: StatReading, cur: StatReading): { id: string; times: CpuPercents }[] {
  const before = new Map(prev.cores.map((c) => [c.id, c.ticks]));
  const out: { id: string; times: CpuPercents }[] = [];
  for (const core of cur.cores) {
    const old = before.get(core.id);
    if (old) out.push({ id: core.id, times: cpuPercents(old, core.ticks) });
  }
  return out;
}
