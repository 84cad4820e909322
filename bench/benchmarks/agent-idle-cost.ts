// The agent's own cost at 1 s collection with 10 running services, against
// prometheus-node-exporter scraped once a second over the same window: CPU time of each
// process (utime + stime from /proc/PID/stat) and RSS (VmRSS, sampled every second).
import type { BenchContext } from "../lib/context";
import { cpuSeconds, memory } from "../lib/proc-stats";
import { sleep } from "../lib/processes";
import type { Section } from "../lib/report";
import { median, summarize } from "../lib/stats";
import { fmtBytes, fmtMB, fmtNumber, fmtSpread, markdownTable } from "../lib/table";

export async function agentIdleCostBench(ctx: BenchContext): Promise<Section> {
  const windowS = ctx.quick ? 20 : 60;
  const slices = ctx.quick ? 4 : 6;
  // The window opens once the agent's samples include every idle service.
  let sample = (await ctx.agent.client.systemPerf({})).sample;
  for (const deadline = Date.now() + 15_000; (sample?.services.length ?? 0) < ctx.idleServices.length && Date.now() < deadline; ) {
    await sleep(250);
    sample = (await ctx.agent.client.systemPerf({})).sample;
  }
  const intervalMs = sample?.intervalMs ?? 0;
  const servicesSeen = sample?.services.length ?? 0;
  // Idle means steady state: for its first minute after the installs the agent's CPU is mostly V8
  // optimising its per-second path and its post-start GCs (bench/FINDINGS.md), not what it costs idle.
  const settleS = ctx.quick ? 10 : 60;
  await sleep(settleS * 1000);

  const baselineName = ctx.baseline ? `agent, baseline (${ctx.baseline.label})` : undefined;
  const procs: Record<string, number> = { agent: ctx.agent.pid, ...(ctx.baseline && { [baselineName!]: ctx.baseline.agent.pid }), node_exporter: ctx.exporter.pid };
  const cpu0 = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const rss: Record<string, number[]> = Object.fromEntries(Object.keys(procs).map((k) => [k, []]));
  const anon: Record<string, number[]> = Object.fromEntries(Object.keys(procs).map((k) => [k, []]));
  const file: Record<string, number[]> = Object.fromEntries(Object.keys(procs).map((k) => [k, []]));
  const slicePct: Record<string, number[]> = Object.fromEntries(Object.keys(procs).map((k) => [k, []]));
  let scrapes = 0;
  let scrapeBytes = 0;
  const t0 = performance.now();
  let sliceStart = { t: t0, cpu: { ...cpu0 } };
  // One tick a second: scrape node_exporter, sample RSS; every windowS/slices seconds close a slice.
  for (let s = 1; s <= windowS; s++) {
    const res = await fetch(ctx.exporter.metricsUrl);
    scrapeBytes += (await res.arrayBuffer()).byteLength;
    scrapes++;
    for (const [k, pid] of Object.entries(procs)) {
      const m = memory(pid);
      rss[k]!.push(m?.rss ?? NaN);
      anon[k]!.push(m?.rssAnon ?? NaN);
      file[k]!.push(m?.rssFile ?? NaN);
    }
    const next = t0 + s * 1000;
    await sleep(Math.max(0, next - performance.now()));
    if (s % (windowS / slices) === 0) {
      const now = performance.now();
      const cpu = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, cpuSeconds(pid)]));
      for (const k of Object.keys(procs)) slicePct[k]!.push(((cpu[k]! - sliceStart.cpu[k]!) / ((now - sliceStart.t) / 1000)) * 100);
      sliceStart = { t: now, cpu };
    }
  }
  const wall = (performance.now() - t0) / 1000;
  const total = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, ((cpuSeconds(pid) - cpu0[k]!) / wall) * 100]));

  const rows = Object.keys(procs).map((k) => {
    const sl = summarize(slicePct[k]!);
    const r = summarize(rss[k]!);
    return [k, fmtNumber(total[k]!), fmtSpread(sl.median, sl.min, sl.max), fmtMB(r.median), fmtMB(r.max), fmtMB(median(anon[k]!)), fmtMB(median(file[k]!))];
  });
  const agentRss = summarize(rss.agent!);
  const ratio = total.agent! / total["node_exporter"]!;
  const baselineRatio = baselineName ? total.agent! / total[baselineName]! : undefined;
  return {
    id: "agent-idle-cost",
    title: "Agent CPU and RSS at 1 s collection, 10 services, vs node_exporter scraped every 1 s",
    body: [
      `Window: ${fmtNumber(wall)} s, both processes measured over the same seconds. The agent collects every second ` +
        `(its default; the latest sample covered ${intervalMs} ms and ${servicesSeen} services) and keeps its history in SQLite. The window opens ${settleS} s after its samples first held every service (steady state, not the warm-up after the installs); during it only the console's fleet monitor calls the agent (its WatchPerf and WatchServices streams, as on every registered machine). ` +
        `node_exporter (Debian's, default collectors) was scraped ${scrapes} times (${fmtBytes(scrapeBytes / scrapes)} per scrape). ` +
        `CPU is utime+stime from /proc/PID/stat over the whole window, and per ${windowS / slices} s slice (median, min–max) to show the noise; ` +
        `RSS is VmRSS sampled each second, with its anonymous (RssAnon: heaps, stacks) and file-backed (RssFile: the node binary and libraries, shared) parts. The host is not idle (other builds and tests share its 2 cores).`,
      "",
      markdownTable(["process", "CPU % of a core (window)", "per-slice median (min–max)", "RSS median", "RSS max", "RssAnon median", "RssFile median"], rows),
      "",
      `Agent / node_exporter CPU: **${fmtNumber(ratio)}×**.` +
        (baselineName ? ` Agent / baseline agent (the same 10 idle services, the same seconds): **${fmtNumber(baselineRatio!)}×**.` : ""),
    ].join("\n"),
    verdicts: [
      {
        benchmark: "Agent idle cost",
        target: "CPU ≤ 0.5 × node_exporter's (scraped every 1 s)",
        figure: `agent ${fmtNumber(total.agent!)} % vs node_exporter ${fmtNumber(total["node_exporter"]!)} % of a core (${fmtNumber(ratio)}×)`,
        met: ratio <= 0.5,
      },
      ...(baselineName
        ? [{ benchmark: "Agent idle cost", target: `collector cost vs ${ctx.baseline!.label}, same window`, figure: `${fmtNumber(total.agent!)} % vs ${fmtNumber(total[baselineName]!)} % of a core (${fmtNumber(baselineRatio!)}×)` }]
        : []),
      {
        benchmark: "Agent idle cost",
        target: "RSS median ≤ 50 MB",
        figure: `median ${fmtMB(agentRss.median)} (max ${fmtMB(agentRss.max)}; RssAnon ${fmtMB(median(anon.agent!))}, RssFile ${fmtMB(median(file.agent!))})`,
        met: agentRss.median <= 50e6,
      },
    ],
  };
}
