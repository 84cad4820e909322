// The points behind the agent page's charts. Live range: 5 minutes of PerfHistory to start
// with, then WatchPerf samples appended into a bounded ring (aborted on unmount or range change).
// History ranges: PerfHistory, asked again every refreshMs so the right edge stays "now".
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "react";
import { describeError, isAbort } from "./errors";
import { pointFromHistory, pointFromSample, type ChartPoint } from "./perf-points";
import { LIVE_CAPACITY, rangeById, type RangeId } from "./perf-ranges";
import { runStreamWithRetry } from "./retry-stream";
import { RingBuffer } from "./ring-buffer";
import type { AgentClient } from "./transport";

export interface PerfSeries {
  points: ChartPoint[];
  /** "loading" until the first data; "error" while the agent cannot be reached (last points kept). */
  status: "loading" | "ok" | "error";
  error: string | null;
  /** The agent's sampling interval, from live samples (ms). */
  intervalMs: number | null;
  /** PerfHistory's resolution label ("1s", "1m") for history ranges. */
  resolution: string | null;
  /** Seconds per history point (each an average over its step). */
  stepSeconds: number | null;
}

const INITIAL: PerfSeries = { points: [], status: "loading", error: null, intervalMs: null, resolution: null, stepSeconds: null };

export function usePerfSeries(client: AgentClient, rangeId: RangeId): PerfSeries {
  const [series, setSeries] = useState<PerfSeries>(INITIAL);

  useEffect(() => {
    const range = rangeById(rangeId);
    const controller = new AbortController();
    const { signal } = controller;
    setSeries(INITIAL);
    const fail = (err: unknown) => setSeries((s) => ({ ...s, status: "error", error: describeError(err) }));

    if (range.live) {
      const ring = new RingBuffer<ChartPoint>(LIVE_CAPACITY);
      let memTotal: number | null = null;
      void runStreamWithRetry(
        signal,
        async (sig) => {
          if (ring.length === 0) {
            try {
              const history = await client.perfHistory(
                { start: timestampFromMs(Date.now() - range.spanMs), stepSeconds: range.stepSeconds },
                { signal: sig },
              );
              for (const p of history.points) {
                const point = pointFromHistory(p, memTotal);
                if (point) ring.push(point);
              }
            } catch (err) {
              // Without history the chart simply starts empty; the live stream below decides up or down.
              if (sig.aborted) throw err;
            }
          }
          for await (const res of client.watchPerf({}, { signal: sig })) {
            const point = res.sample ? pointFromSample(res.sample) : null;
            if (!point) continue;
            memTotal = point.memTotalBytes;
            const last = ring.last();
            if (!last || point.t > last.t) ring.push(point);
            const intervalMs = res.sample?.intervalMs || null;
            setSeries({ points: ring.toArray(), status: "ok", error: null, intervalMs, resolution: null, stepSeconds: null });
          }
        },
        fail,
      );
    } else {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const load = async () => {
        try {
          // Memory total for tooltips: history points carry used bytes and percent only.
          const [history, info] = await Promise.all([
            client.perfHistory({ start: timestampFromMs(Date.now() - range.spanMs), stepSeconds: range.stepSeconds }, { signal }),
            client.systemPerf({}, { signal }).catch(() => null),
          ]);
          const total = info?.sample?.memory ? Number(info.sample.memory.totalBytes) : null;
          const points = history.points.map((p) => pointFromHistory(p, total)).filter((p): p is ChartPoint => p !== null);
          setSeries({ points, status: "ok", error: null, intervalMs: null, resolution: history.resolution, stepSeconds: history.stepSeconds || null });
        } catch (err) {
          if (signal.aborted || isAbort(err)) return;
          fail(err);
        }
        if (!signal.aborted) timer = setTimeout(() => void load(), range.refreshMs);
      };
      void load();
      signal.addEventListener("abort", () => clearTimeout(timer));
    }
    return () => controller.abort();
  }, [client, rangeId]);

  return series;
}
