// PerfHistory over 7 days (seeded: one sample a minute for 7 days) against PerfHistory over the
// last 5 minutes, at the agent (its Unix socket) and through the console's proxy (API token).
// Calls are sequential and interleaved (7 d, 5 min, agent, proxy) so noise hits all four alike.
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import type { AgentService, PerfHistoryResponse } from "@sysward/proto";
import type { BenchContext } from "../lib/context";
import { proxyClient } from "../lib/proxy-client";
import type { Section } from "../lib/report";
import { summarize } from "../lib/stats";
import { fmtMs, fmtNumber, fmtRatio, markdownTable } from "../lib/table";

const RANGES = { "7 d": 7 * 86400_000, "5 min": 5 * 60_000 } as const;
type RangeName = keyof typeof RANGES;

export async function perfHistoryBench(ctx: BenchContext): Promise<Section> {
  const rounds = ctx.quick ? 15 : 40;
  const paths: Record<string, Client<typeof AgentService>> = {
    agent: ctx.agent.client,
    proxy: proxyClient(ctx.console.baseUrl, ctx.console.apiToken),
  };
  const times = new Map<string, number[]>();
  const shape = new Map<string, PerfHistoryResponse>();
  const call = async (path: string, range: RangeName, record: boolean) => {
    const t0 = performance.now();
    const res = await paths[path]!.perfHistory({ start: timestampFromMs(Date.now() - RANGES[range]) }, { timeoutMs: 10_000 });
    const ms = performance.now() - t0;
    if (!record) return;
    const key = `${path}\t${range}`;
    (times.get(key) ?? times.set(key, []).get(key)!).push(ms);
    shape.set(key, res);
  };
  for (let i = 0; i < 3; i++) for (const path of Object.keys(paths)) for (const range of Object.keys(RANGES) as RangeName[]) await call(path, range, false);
  for (let i = 0; i < rounds; i++) {
    for (const path of Object.keys(paths)) for (const range of Object.keys(RANGES) as RangeName[]) await call(path, range, true);
  }

  const rows = [...times].map(([key, ms]) => {
    const [path, range] = key.split("\t") as [string, RangeName];
    const s = summarize(ms);
    const res = shape.get(key)!;
    const services = res.points.at(-1)?.services.length ?? 0;
    return { path, range, s, res, services };
  });
  const get = (path: string, range: RangeName) => rows.find((r) => r.path === path && r.range === range)!;
  const table = markdownTable(
    ["path", "range", "points", "resolution / step", "services per point", "median", "p99", "min", "max", "median vs 5 min"],
    rows.map((r) => [
      r.path === "agent" ? "agent (Unix socket)" : "console proxy (token)",
      r.range,
      r.res.points.length,
      `${r.res.resolution} / ${r.res.stepSeconds} s`,
      r.services,
      fmtMs(r.s.median),
      fmtMs(r.s.p99),
      fmtMs(r.s.min),
      fmtMs(r.s.max),
      fmtRatio(r.s.median / get(r.path, "5 min").s.median),
    ]),
  );
  const a7 = get("agent", "7 d").s;
  const p7 = get("proxy", "7 d").s;
  const seeded = get("agent", "7 d").res.points.length;
  return {
    id: "perf-history",
    title: "PerfHistory: 7 days vs 5 minutes",
    body: [
      `${rounds} calls per cell after 3 warm-up calls each, sequential, interleaved. The agent's history was seeded before it started ` +
        `with 7 days of samples (one a minute, one a second for the last hour, ${rows[0]?.services ?? 10} services per sample) written ` +
        `through its own PerfHistory class; the query path measured is the agent's real one (SQLite → downsampled points → protobuf). ` +
        `"7 d" asks for [now − 7 d, now] with step 0 (the agent picks the step, as the console's 7 d chart does).`,
      "",
      table,
    ].join("\n"),
    verdicts: [
      { benchmark: "PerfHistory 7 d", target: "< 100 ms at the agent (median)", figure: `${fmtMs(a7.median)} (p99 ${fmtMs(a7.p99)}, ${seeded} points)`, met: a7.median < 100 },
      { benchmark: "PerfHistory 7 d", target: "< 300 ms through the proxy (median)", figure: `${fmtMs(p7.median)} (p99 ${fmtMs(p7.p99)})`, met: p7.median < 300 },
      {
        benchmark: "PerfHistory 7 d vs 5 min",
        target: "ratio to the 5 min query, same run",
        figure: `agent ${fmtNumber(a7.median / get("agent", "5 min").s.median)}×, proxy ${fmtNumber(p7.median / get("proxy", "5 min").s.median)}×`,
      },
    ],
  };
}
