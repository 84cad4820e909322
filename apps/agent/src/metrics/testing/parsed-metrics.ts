// The parser ships no types: the reference brings the declaration along wherever this helper is
// compiled (the console's test build too), with no edit to anyone's tsconfig.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./parse-prometheus-text-format.d.ts" />
// Test helper: the Prometheus text format through a real third-party parser, then lookups by
// family name and labels. Shared by the agent's and the console's /metrics tests.
import parsePrometheusTextFormat from "parse-prometheus-text-format";

type Family = ReturnType<typeof parsePrometheusTextFormat>[number];
type Sample = Family["metrics"][number];

export class ParsedMetrics {
  readonly families: ReadonlyMap<string, Family>;

  constructor(text: string) {
    const names = new Set<string>();
    for (const f of parsePrometheusTextFormat(text)) {
      if (names.has(f.name)) throw new Error(`metric family ${f.name} appears twice`);
      names.add(f.name);
    }
    // That parse checked every line's grammar, but it flattens each histogram into one
    // label-less sample (its flattenMetrics knows no label but "le"). So histograms are read
    // again as plain _bucket, _sum and _count series, which interleave per label set: merged here.
    const map = new Map<string, Family>();
    for (const f of parsePrometheusTextFormat(text.replace(/^# TYPE (\S+) histogram$/gm, "# TYPE $1 untyped"))) {
      const seen = map.get(f.name);
      if (seen) seen.metrics.push(...f.metrics);
      else map.set(f.name, f);
    }
    this.families = map;
  }

  family(name: string): Family {
    const f = this.families.get(name);
    if (!f) throw new Error(`no metric family ${name}; have: ${[...this.families.keys()].join(", ")}`);
    return f;
  }

  /** Samples of a family whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.family(name).metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  }

  /** The one sample's value (a counter or gauge) matching `labels`; undefined when there is none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const found = this.samples(name, labels);
    if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
    return found[0]?.value === undefined ? undefined : Number(found[0].value);
  }

  /** Sum over the samples matching `labels` (0 when none). */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.samples(name, labels).reduce((n, m) => n + Number(m.value), 0);
  }

  /** A histogram's count, sum and cumulative buckets ("le" → count) for `labels` (zeros when it has no such series yet). */
  histogram(name: string, labels: Record<string, string>): { count: number; sum: number; buckets: Map<string, number> } {
    const has = this.families.has(`${name}_count`);
    const buckets = new Map<string, number>();
    if (has) for (const b of this.samples(`${name}_bucket`, labels)) buckets.set(b.labels!.le!, Number(b.value));
    return { count: has ? (this.value(`${name}_count`, labels) ?? 0) : 0, sum: has ? (this.value(`${name}_sum`, labels) ?? 0) : 0, buckets };
  }
}
