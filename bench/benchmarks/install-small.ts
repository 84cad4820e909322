// Install → running of a 1 MB package with a health window of 0: the time from the first byte
// of the Install call to its answer (the new version running), at the agent and through the
// console's upload route. Each install replaces the previous version (stop old, start new).
import { readFileSync } from "node:fs";
import { ServiceState } from "@sysward/proto";
import { installVia } from "../../apps/agent/src/install/testing/install-via";
import { uploadViaConsole } from "../lib/console-upload";
import type { BenchContext } from "../lib/context";
import { mixedZip } from "../lib/mixed-zip";
import type { Section } from "../lib/report";
import { summarize } from "../lib/stats";
import { fmtBytes, fmtMs, markdownTable } from "../lib/table";

export async function installSmallBench(ctx: BenchContext): Promise<Section> {
  const zip = mixedZip(1024 * 1024, undefined, ctx.log);
  const bytes = readFileSync(zip.path);
  const name = "small";
  const n = ctx.quick ? 12 : 40;
  const agentMs: number[] = [];
  const consoleMs: number[] = [];
  try {
    for (let i = 0; i < n + 2; i++) {
      const t0 = performance.now();
      const res = await installVia(ctx.agent.client, { name, healthSeconds: 0 }, bytes, 256 * 1024);
      const ms = performance.now() - t0;
      if (res.service?.state !== ServiceState.RUNNING) throw new Error(`install ${i} of ${name} answered state ${res.service?.state}, not RUNNING`);
      if (i >= 2) agentMs.push(ms); // the first two warm up
      if (i % 2 === 1 && i >= 2) {
        const up = await uploadViaConsole(ctx.console, name, zip.path, 0);
        if (!up.ok) throw new Error(`console upload of ${name} failed: ${JSON.stringify(up.result)}`);
        consoleMs.push(up.ms);
      }
    }
  } finally {
    await ctx.agent.client.remove({ name }).catch(() => {});
  }
  const a = summarize(agentMs);
  const c = summarize(consoleMs);
  const table = markdownTable(
    ["path", "installs", "p50", "p99", "min", "max"],
    [
      ["Install RPC at the agent (Unix socket)", a.n, fmtMs(a.median), fmtMs(a.p99), fmtMs(a.min), fmtMs(a.max)],
      ["console upload route (curl, logged in)", c.n, fmtMs(c.median), fmtMs(c.p99), fmtMs(c.min), fmtMs(c.max)],
    ],
  );
  return {
    id: "install-small",
    title: "Install → running, 1 MB package, health window 0",
    body: [
      `Package: ${fmtBytes(zip.size)} ZIP, ${zip.entries} entries, ${fmtBytes(zip.uncompressedBytes)} extracted (the same mix as the upload benchmark). ` +
        `Each install replaces the running previous version (stop it, start the new one). Timed from the call to its answer (state RUNNING); ` +
        `two warm-up installs not counted. The console rows are curl uploads interleaved with the agent rows.`,
      "",
      table,
    ].join("\n"),
    verdicts: [
      { benchmark: "Install 1 MB → running", target: "report p50/p99 (agent)", figure: `p50 ${fmtMs(a.median)}, p99 ${fmtMs(a.p99)}` },
      { benchmark: "Install 1 MB → running", target: "report p50/p99 (through the console)", figure: `p50 ${fmtMs(c.median)}, p99 ${fmtMs(c.p99)}` },
    ],
  };
}
