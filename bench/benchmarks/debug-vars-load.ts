// /debug/vars through the console's authenticated proxy (API token), 50 connections, against
// node_exporter's /metrics on the same machine; rounds alternate so both see the same noise.
// The agent's own /debug/vars on its socket (h2load, h2c) is shown for reference.
import type { BenchContext } from "../lib/context";
import { h2loadUnix, wrk, type LoadResult } from "../lib/load-tools";
import type { Section } from "../lib/report";
import { median, pairedRatio, summarize } from "../lib/stats";
import { fmtMs, fmtNumber, fmtRatio, fmtSpread, markdownTable } from "../lib/table";

export async function debugVarsLoadBench(ctx: BenchContext): Promise<Section> {
  const rounds = ctx.quick ? 2 : 3;
  const seconds = ctx.quick ? 5 : 10;
  const connections = 50;
  const proxied: LoadResult[] = [];
  const exporter: LoadResult[] = [];
  const direct: LoadResult[] = [];
  const proxyUrl = `${ctx.console.baseUrl}/agents/local/debug/vars`;
  // A short warm-up of each (JIT, connection pools), not counted.
  await wrk(proxyUrl, { connections, seconds: 2, headers: { Authorization: `Bearer ${ctx.console.apiToken}` } });
  await wrk(ctx.exporter.metricsUrl, { connections, seconds: 2 });
  for (let r = 0; r < rounds; r++) {
    proxied.push(await wrk(proxyUrl, { connections, seconds, headers: { Authorization: `Bearer ${ctx.console.apiToken}` } }));
    exporter.push(await wrk(ctx.exporter.metricsUrl, { connections, seconds }));
    direct.push(await h2loadUnix(ctx.agent.socketPath, "/debug/vars", { connections, seconds, headers: { authorization: `Bearer ${ctx.agent.token}` } }));
  }
  for (const [what, results] of [["console proxy", proxied], ["node_exporter", exporter], ["agent socket", direct]] as const) {
    const bad = results.reduce((n, r) => n + r.bad, 0);
    if (bad > 0) throw new Error(`${what}: ${bad} requests failed or were not 2xx; the figures would be meaningless:\n${results.at(-1)!.raw}`);
  }
  const row = (label: string, tool: string, rs: LoadResult[]) => {
    const rps = summarize(rs.map((r) => r.reqPerSec));
    const p99 = rs.every((r) => r.p99Ms !== undefined) ? summarize(rs.map((r) => r.p99Ms!)) : undefined;
    const p50 = rs.every((r) => r.p50Ms !== undefined) ? median(rs.map((r) => r.p50Ms!)) : undefined;
    return [
      label,
      tool,
      fmtSpread(rps.median, rps.min, rps.max),
      p50 === undefined ? "—" : fmtMs(p50),
      p99 === undefined ? "—" : `${fmtMs(p99.median)} (max ${fmtMs(p99.max)})`,
      fmtMs(median(rs.map((r) => r.meanMs ?? NaN))),
    ];
  };
  const ratio = pairedRatio(proxied.map((r) => r.reqPerSec), exporter.map((r) => r.reqPerSec));
  const ofAgent = pairedRatio(proxied.map((r) => r.reqPerSec), direct.map((r) => r.reqPerSec));
  const p99 = summarize(proxied.map((r) => r.p99Ms!));
  const bytes = await fetch(proxyUrl, { headers: { Authorization: `Bearer ${ctx.console.apiToken}` } }).then((r) => r.arrayBuffer());
  const metricsBytes = await fetch(ctx.exporter.metricsUrl).then((r) => r.arrayBuffer());
  return {
    id: "debug-vars",
    title: "/debug/vars through the proxy (token auth), 50 connections, vs node_exporter /metrics",
    body: [
      `${rounds} rounds of ${seconds} s each, alternating (after a 2 s warm-up of each): wrk -t2 -c${connections} --latency. ` +
        `The proxy path is the console's own server (scripts/console-server.mjs, before Next's router: lib/server/agent-proxy/proxy-node-routes.ts) → API-token check (SQLite) → the agent's socket (HTTP/2) → /debug/vars ` +
        `(${fmtNumber(bytes.byteLength / 1024)} KiB JSON). node_exporter /metrics is ${fmtNumber(metricsBytes.byteLength / 1024)} KiB of text. ` +
        `The agent-socket row is h2load (h2c, one request in flight per connection) straight to the agent, for reference. ` +
        `wrk, h2load and the servers share the machine's 2 cores.`,
      "",
      markdownTable(["target", "tool", "req/s median (min–max)", "p50", "p99 median (max)", "mean latency"], [
        row("console proxy → agent /debug/vars", "wrk", proxied),
        row("node_exporter /metrics", "wrk", exporter),
        row("agent /debug/vars on its socket", "h2load", direct),
      ]),
      "",
      `Proxy req/s ÷ node_exporter req/s, per round: **${fmtRatio(ratio.median, ratio.min, ratio.max)}**; ÷ the agent's own req/s on its socket: **${fmtRatio(ofAgent.median, ofAgent.min, ofAgent.max)}**.`,
    ].join("\n"),
    verdicts: [
      { benchmark: "/debug/vars via proxy", target: "≥ 0.5× node_exporter /metrics req/s", figure: fmtRatio(ratio.median, ratio.min, ratio.max), met: ratio.median >= 0.5 },
      { benchmark: "/debug/vars via proxy", target: "≥ 0.45× the agent's own req/s on its socket", figure: fmtRatio(ofAgent.median, ofAgent.min, ofAgent.max), met: ofAgent.median >= 0.45 },
      { benchmark: "/debug/vars via proxy", target: "p99 < 10 ms", figure: `${fmtMs(p99.median)} (max ${fmtMs(p99.max)})`, met: p99.median < 10 },
    ],
  };
}
