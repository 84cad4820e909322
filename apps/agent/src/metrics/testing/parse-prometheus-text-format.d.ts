// The package ships no types. Its output follows prom2json: numbers stay strings.
declare module "parse-prometheus-text-format" {
  interface PromSample {
    labels?: Record<string, string>;
    value?: string;
    /** Histograms: upper bound ("0.5", "+Inf") → cumulative count. */
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
    timestamp_ms?: string;
  }
  interface PromFamily {
    name: string;
    help: string;
    type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
    metrics: PromSample[];
  }
  export default function parsePrometheusTextFormat(text: string): PromFamily[];
}
