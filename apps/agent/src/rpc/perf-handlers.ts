// SystemPerf, WatchPerf and PerfHistory: translation between proto and the perf domain
// objects only. The collector owns sampling, PerfWatchers the per-stream fan-out (one-slot
// mailbox per watcher: a slow reader costs one sample reference and a `dropped` count, never a
// growing queue — see perf/perf-watchers.ts), PerfHistory storage and range validation.
import { create } from "@bufbuild/protobuf";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { AgentService, SystemPerfResponseSchema, WatchPerfResponseSchema } from "@sysward/proto";
import type { PerfHistory } from "../history/perf-history";
import { preEncodedPerfHistoryResponse } from "../history/perf-history-wire";
import type { PerfCollector } from "../perf/perf-collector";
import { PerfWatchers } from "../perf/perf-watchers";
import { preEncodedWatchPerfResponse } from "../perf/watch-perf-wire";
import { answersInBinary } from "./response-codec";

/** `every` above this is a mistake (one sample an hour at the default interval), not a request. */
const MAX_EVERY = 3600;

export interface PerfHandlerDeps {
  perf: PerfCollector;
  history: PerfHistory;
  /** Shared so /debug/vars can report watchers; one is made when absent. */
  watchers?: PerfWatchers;
}

export function perfHandlers(
  deps: PerfHandlerDeps,
): Pick<ServiceImpl<typeof AgentService>, "systemPerf" | "watchPerf" | "perfHistory"> {
  const watchers = deps.watchers ?? new PerfWatchers(deps.perf);
  return {
    systemPerf() {
      return create(SystemPerfResponseSchema, { sample: deps.perf.latest() });
    },

    async *watchPerf(req, ctx) {
      if (req.every > MAX_EVERY) {
        throw new ConnectError(`every must be at most ${MAX_EVERY} (0 or 1: every sample), got ${req.every}`, Code.InvalidArgument);
      }
      // Binary streams share one encoding of each sample (perf/watch-perf-wire.ts).
      const binary = answersInBinary(ctx);
      for await (const { sample, dropped } of watchers.watch({ every: req.every, signal: ctx.signal })) {
        yield binary ? preEncodedWatchPerfResponse(sample, dropped) : create(WatchPerfResponseSchema, { sample, dropped: BigInt(dropped) });
      }
    },

    perfHistory(req, ctx) {
      if (!req.start) throw new ConnectError("start is required", Code.InvalidArgument);
      const res = deps.history.query(toDate(req.start, "start"), req.end && toDate(req.end, "end"), req.stepSeconds);
      // protobuf-es's toBinary of a 7-day answer (~6 700 nested messages) cost more than the
      // query itself; binary callers get bytes written by hand (history/perf-history-wire.ts).
      return answersInBinary(ctx) ? preEncodedPerfHistoryResponse(res) : res;
    },
  };
}

function toDate(ts: Timestamp, field: string): Date {
  // Timestamp's own limits: 0001-01-01 to 9999-12-31, nanos in [0, 1e9).
  const ok = ts.nanos >= 0 && ts.nanos < 1e9 && ts.seconds >= -62135596800n && ts.seconds <= 253402300799n;
  if (!ok) throw new ConnectError(`${field} is not a valid timestamp`, Code.InvalidArgument);
  return timestampDate(ts);
}
