// 100 concurrent WatchPerf streams through the console's proxy, against the same agent with no
// watcher: its RSS and CPU with none (before), with 100 (for the window), and with none again.
import { setMaxListeners } from "node:events";
import type { BenchContext } from "../lib/context";
import { memory, observeWindow } from "../lib/proc-stats";
import { sleep } from "../lib/processes";
import { proxyClient } from "../lib/proxy-client";
import type { Section } from "../lib/report";
import { median, summarize } from "../lib/stats";
import { fmtMB, fmtNumber, markdownTable } from "../lib/table";

interface Phase {
  name: string;
  seconds: number;
  agentCpuPct: number;
  consoleCpuPct: number;
  agentRss: number[];
  consoleRss: number[];
  /** The agent's anonymous RSS (heap, native buffers) at the window's end: RssFile is the node binary's pages. */
  agentRssAnon: number;
  /** The agent's own process.memoryUsage() at the window's end (its /debug/vars). */
  agentHeap: { heapUsed: number; heapTotal: number; external: number } | undefined;
}

async function agentHeap(ctx: BenchContext): Promise<Phase["agentHeap"]> {
  try {
    const res = await fetch(`${ctx.console.baseUrl}/agents/local/debug/vars`, { headers: { Authorization: `Bearer ${ctx.console.apiToken}` } });
    const m = ((await res.json()) as { memstats?: { heapUsed: number; heapTotal: number; external: number } }).memstats;
    return m && { heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
  } catch {
    return undefined;
  }
}

async function observe(ctx: BenchContext, name: string, seconds: number): Promise<Phase> {
  const w = await observeWindow({ agent: ctx.agent.pid, console: ctx.console.pid }, seconds);
  const agentRssAnon = memory(ctx.agent.pid)?.rssAnon ?? NaN;
  return {
    name,
    seconds: w.seconds,
    agentCpuPct: w.cpuPct.agent!,
    consoleCpuPct: w.cpuPct.console!,
    agentRss: w.rss.agent!,
    consoleRss: w.rss.console!,
    agentRssAnon,
    agentHeap: await agentHeap(ctx),
  };
}

export async function watchPerfFanoutBench(ctx: BenchContext): Promise<Section> {
  const watchers = 100;
  const watchS = ctx.quick ? 20 : 60;
  const afterS = ctx.quick ? 10 : 20;
  const client = proxyClient(ctx.console.baseUrl, ctx.console.apiToken);

  // The baseline: the same agent, no watcher, for as long as the watched window.
  const before = await observe(ctx, "0 watchers (before)", watchS);
  const abort = new AbortController();
  setMaxListeners(watchers + 10, abort.signal);
  const counts = new Array<number>(watchers).fill(0);
  // WatchPerf's `dropped` is cumulative per stream: keep each stream's latest.
  const droppedBy = new Array<bigint>(watchers).fill(0n);
  const errors: string[] = [];
  const streams = counts.map(async (_, i) => {
    try {
      for await (const m of client.watchPerf({}, { signal: abort.signal })) {
        counts[i]!++;
        droppedBy[i] = m.dropped;
      }
    } catch (err) {
      if (!abort.signal.aborted) errors.push((err as Error).message);
    }
  });
  // Every stream must be live (its first sample arrives at once) before the window opens.
  const deadline = Date.now() + 30_000;
  while (counts.some((c) => c === 0) && errors.length === 0 && Date.now() < deadline) await sleep(50);
  if (errors.length || counts.some((c) => c === 0)) {
    abort.abort();
    await Promise.allSettled(streams);
    throw new Error(`not all ${watchers} WatchPerf streams started: ${counts.filter((c) => c > 0).length} live; ${errors[0] ?? "timeout"}`);
  }
  const atOpen = [...counts];
  const during = await observe(ctx, `${watchers} watchers`, watchS);
  const perStream = counts.map((c, i) => c - atOpen[i]!);
  abort.abort();
  await Promise.allSettled(streams);
  if (errors.length) throw new Error(`WatchPerf streams broke during the window: ${errors[0]}`);
  await sleep(2000);
  const after = await observe(ctx, "0 watchers (after)", afterS);

  const baseRss = median(before.agentRss);
  const withRss = median(during.agentRss);
  const rssChange = (withRss / baseRss - 1) * 100;
  const samples = summarize(perStream);
  const dropped = droppedBy.reduce((a, b) => a + b, 0n);
  const table = markdownTable(
    ["phase", "seconds", "agent CPU % of a core", "agent RSS median", "agent RSS max", "agent RssAnon / heap used / heap total / external (end)", "console CPU %", "console RSS median"],
    [before, during, after].map((p) => [
      p.name,
      Math.round(p.seconds),
      fmtNumber(p.agentCpuPct),
      fmtMB(median(p.agentRss)),
      fmtMB(Math.max(...p.agentRss)),
      [p.agentRssAnon, p.agentHeap?.heapUsed, p.agentHeap?.heapTotal, p.agentHeap?.external].map((b) => (b === undefined ? "—" : fmtMB(b))).join(" / "),
      fmtNumber(p.consoleCpuPct),
      fmtMB(median(p.consoleRss)),
    ]),
  );
  return {
    id: "watch-perf",
    title: `${watchers} concurrent WatchPerf streams through the proxy`,
    body: [
      `${watchers} Connect server-streams (HTTP/1.1 to the console, API token) → the console's proxy → one HTTP/2 connection to the agent. ` +
        `Each stream received ${fmtNumber(samples.median)} samples (min ${samples.min}, max ${samples.max}) in the ${Math.round(during.seconds)} s window ` +
        `(the agent samples every second); ${dropped} samples were dropped for slow readers. ` +
        `RSS sampled every second. The baseline is the same agent with no watcher for the same length of time just before; ` +
        `"after" (the streams closed) is shown for reference. RSS of a garbage-collected process moves by several MB on its own, ` +
        `so the comparison is of medians over each window.`,
      "",
      table,
    ].join("\n"),
    verdicts: [
      {
        benchmark: "100 WatchPerf streams",
        target: "agent RSS within ±5 % of 0 watchers (window medians)",
        figure: `${fmtMB(withRss)} vs ${fmtMB(baseRss)} (${rssChange >= 0 ? "+" : ""}${fmtNumber(rssChange)} %)`,
        met: Math.abs(rssChange) <= 5,
      },
      {
        benchmark: "100 WatchPerf streams",
        target: "agent CPU < 5 % of a core",
        figure: `${fmtNumber(during.agentCpuPct)} % (0 watchers: ${fmtNumber(before.agentCpuPct)} %)`,
        met: during.agentCpuPct < 5,
      },
    ],
  };
}
