// Does the hand-written PerfHistory encoder (apps/agent/src/history/perf-history-wire.ts) still
// pay? An in-process A/B on the same 7-day answer, same run, interleaved: the agent's SQLite query
// alone, protobuf-es's toBinary of its answer, and the hand-written encoding (checked to be the
// same bytes). The RPC's own cost beyond these is the same either way.
import { toBinary } from "@bufbuild/protobuf";
import { PerfHistoryResponseSchema } from "@sysward/proto";
import { join } from "node:path";
import { encodePerfHistoryResponse } from "../../apps/agent/src/history/perf-history-wire";
import { PerfHistory } from "../../apps/agent/src/history/perf-history";
import type { BenchContext } from "../lib/context";
import { seedHistory } from "../lib/history-seed";
import type { Section } from "../lib/report";
import { summarize } from "../lib/stats";
import { fmtMs, fmtNumber, markdownTable } from "../lib/table";

const WEEK_MS = 7 * 86400_000;

export function historyEncoderBench(ctx: BenchContext): Promise<Section> {
  const rounds = ctx.quick ? 20 : 60;
  const file = join(ctx.scratchDir, "history-encoder.sqlite");
  seedHistory(file, ctx.idleServices);
  const history = PerfHistory.open(file, { flushEveryMs: Number.MAX_SAFE_INTEGER });
  try {
    const times = { query: [] as number[], toBinary: [] as number[], hand: [] as number[] };
    let points = 0;
    let bytes = 0;
    for (let i = -5; i < rounds; i++) {
      let t0 = performance.now();
      const res = history.query(new Date(Date.now() - WEEK_MS));
      const query = performance.now() - t0;
      // Alternate which encoder goes first, so neither always runs on a warmer cache.
      const encoders = i % 2 === 0 ? (["toBinary", "hand"] as const) : (["hand", "toBinary"] as const);
      const out: Record<string, Uint8Array> = {};
      const ms: Record<string, number> = {};
      for (const which of encoders) {
        t0 = performance.now();
        out[which] = which === "hand" ? encodePerfHistoryResponse(res) : toBinary(PerfHistoryResponseSchema, res);
        ms[which] = performance.now() - t0;
      }
      if (!Buffer.from(out.hand!).equals(Buffer.from(out.toBinary!))) throw new Error("the hand-written encoding differs from toBinary's bytes");
      if (i < 0) continue; // warm-up: JIT, SQLite's cache
      times.query.push(query);
      times.toBinary.push(ms.toBinary!);
      times.hand.push(ms.hand!);
      points = res.points.length;
      bytes = out.hand!.length;
    }
    const q = summarize(times.query);
    const tb = summarize(times.toBinary);
    const hw = summarize(times.hand);
    const withToBinary = q.median + tb.median;
    const withHand = q.median + hw.median;
    return Promise.resolve({
      id: "history-encoder",
      title: "PerfHistory encoder: hand-written vs toBinary",
      body: [
        `In-process, ${rounds} rounds after 5 warm-ups, interleaved: the agent's own PerfHistory query over a 7-day history seeded ` +
          `as for the PerfHistory benchmark (${ctx.idleServices.length} services, a small server's devices), then both encodings of ` +
          `its answer (${points} points, ${fmtNumber(bytes / 1024)} KiB), checked byte for byte each round.`,
        "",
        markdownTable(
          ["step", "median", "p99", "min", "max"],
          [
            ["SQLite query → PerfHistoryResponse", fmtMs(q.median), fmtMs(q.p99), fmtMs(q.min), fmtMs(q.max)],
            ["toBinary (protobuf-es)", fmtMs(tb.median), fmtMs(tb.p99), fmtMs(tb.min), fmtMs(tb.max)],
            ["hand-written encoder", fmtMs(hw.median), fmtMs(hw.p99), fmtMs(hw.min), fmtMs(hw.max)],
          ],
        ),
        "",
        `Query + encoding: ${fmtMs(withToBinary)} with toBinary, ${fmtMs(withHand)} hand-written (${fmtNumber(withToBinary / withHand)}× less per 7-day answer).`,
      ].join("\n"),
      verdicts: [
        {
          benchmark: "PerfHistory encoder",
          target: "pays: query + encoding ≥ 20 % cheaper than with toBinary (same-run A/B)",
          figure: `encode ${fmtMs(hw.median)} vs toBinary ${fmtMs(tb.median)} (${fmtNumber(tb.median / hw.median)}×); query + encode ${fmtMs(withHand)} vs ${fmtMs(withToBinary)}`,
          met: withHand < withToBinary * 0.8,
        },
      ],
    });
  } finally {
    history.close();
  }
}
