// Pure: folds samples into time buckets as SUMS (plus count and maxima), never as averages.
// Sums add up: a bucket written in two parts (a flush mid-minute, an agent restart) merges
// in the database by plain addition, and a coarser step is SUM(sum) / SUM(n).

/** The figures of one sample that history keeps. */
export interface PointValues {
  cpuBusyPercent: number;
  memoryUsedPercent: number;
  memoryUsedBytes: number;
  loadOne: number;
  services: readonly { name: string; cpuPercent: number; rssBytes: number }[];
}

export interface ServiceSums {
  /** Samples the service appeared in: its averages are over its own presence. */
  n: number;
  cpuSum: number;
  rssSum: number;
}

export interface BucketSums {
  n: number;
  cpuSum: number;
  cpuMax: number;
  memPctSum: number;
  memPctMax: number;
  memUsedSum: number;
  loadOneSum: number;
  services: Map<string, ServiceSums>;
}

export class BucketAccumulator {
  readonly bucketSeconds: number;
  #buckets = new Map<number, BucketSums>();

  constructor(bucketSeconds: number) {
    this.bucketSeconds = bucketSeconds;
  }

  /** Number of buckets waiting to be drained. */
  get size(): number {
    return this.#buckets.size;
  }

  add(timeSeconds: number, v: PointValues): void {
    const t = timeSeconds - (((timeSeconds % this.bucketSeconds) + this.bucketSeconds) % this.bucketSeconds);
    let b = this.#buckets.get(t);
    if (!b) {
      b = { n: 0, cpuSum: 0, cpuMax: -Infinity, memPctSum: 0, memPctMax: -Infinity, memUsedSum: 0, loadOneSum: 0, services: new Map() };
      this.#buckets.set(t, b);
    }
    b.n++;
    b.cpuSum += v.cpuBusyPercent;
    b.cpuMax = Math.max(b.cpuMax, v.cpuBusyPercent);
    b.memPctSum += v.memoryUsedPercent;
    b.memPctMax = Math.max(b.memPctMax, v.memoryUsedPercent);
    b.memUsedSum += v.memoryUsedBytes;
    b.loadOneSum += v.loadOne;
    for (const s of v.services) {
      const sums = b.services.get(s.name);
      if (sums) {
        sums.n++;
        sums.cpuSum += s.cpuPercent;
        sums.rssSum += s.rssBytes;
      } else {
        b.services.set(s.name, { n: 1, cpuSum: s.cpuPercent, rssSum: s.rssBytes });
      }
    }
  }

  /** Everything accumulated so far, oldest bucket first; the accumulator is empty afterwards. */
  drain(): [bucketStart: number, sums: BucketSums][] {
    const out = [...this.#buckets].sort((a, b) => a[0] - b[0]);
    this.#buckets = new Map();
    return out;
  }
}
