// Pure: validates a history request and decides how to answer it — which stored resolution,
// and which step so that a chart gets at most MAX_POINTS points. Errors are DomainError
// InvalidArgument with a message that says what to change.
import { DomainError } from "../domain-error";

/** How long each stored resolution is kept (SYSWARD_HISTORY_RAW_HOURS, _MINUTE_DAYS, _COARSE_DAYS). */
export interface HistoryRetention {
  /** 1 s points. */
  rawSeconds: number;
  /** 1 min aggregates. */
  minuteSeconds: number;
  /** 5 min aggregates: the longest; at least minuteSeconds. */
  coarseSeconds: number;
}

export const DEFAULT_RETENTION: HistoryRetention = { rawSeconds: 3600, minuteSeconds: 7 * 86400, coarseSeconds: 90 * 86400 };
export const MAX_POINTS = 1000;
/** Slack on the 1 s tier's hour, so "the last hour" from a clock a little behind still gets 1 s points. */
export const RAW_QUERY_SLACK_SECONDS = 60;
/** Spans a little over what is kept are accepted (a "last 7 days" chart computed on a skewed clock). */
const SPAN_MARGIN_SECONDS = 3600;
/** Clocks of the console and the agent may differ a little; more than this is a bad request. */
const FUTURE_MARGIN_SECONDS = 60;
/** Steps a chart would use: each stored resolution's points group evenly into them. */
const STEP_LADDER = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
] as const;

export type Resolution = "1s" | "1m" | "5m";
const RESOLUTION_SECONDS = { "1s": 1, "1m": 60, "5m": 300 } as const;

export interface HistoryPlan {
  resolution: Resolution;
  stepSeconds: number;
  /** Stored rows with from ≤ t ≤ to answer the request (t: the row's start, seconds). */
  fromSeconds: number;
  toSeconds: number;
}

export interface HistoryRequest {
  startMs: number;
  /** Undefined: now. */
  endMs?: number;
  /** 0 or undefined: pick one from the span. */
  stepSeconds?: number;
}

export function planHistoryQuery(req: HistoryRequest, nowMs: number, retention: HistoryRetention = DEFAULT_RETENTION): HistoryPlan {
  const { startMs } = req;
  if (!Number.isFinite(startMs)) invalid("start is required");
  if (req.endMs !== undefined && !Number.isFinite(req.endMs)) invalid("end is not a valid time");
  if (startMs > nowMs + FUTURE_MARGIN_SECONDS * 1000) {
    invalid(`start ${iso(startMs)} is in the future (agent time is ${iso(nowMs)})`);
  }
  const requestedEnd = req.endMs ?? nowMs;
  if (requestedEnd < startMs) invalid(`end ${iso(requestedEnd)} is before start ${iso(startMs)}`);
  // Nothing is stored past now: a range reaching into the future is answered up to now.
  const endMs = Math.min(requestedEnd, Math.max(startMs, nowMs));
  const spanSeconds = (endMs - startMs) / 1000;
  const kept = fmtDuration(retention.coarseSeconds);
  const maxSpan = retention.coarseSeconds + SPAN_MARGIN_SECONDS;
  if (spanSeconds > maxSpan) {
    invalid(`range spans ${fmtDuration(spanSeconds)}; history keeps ${kept}, so ask for at most ${fmtDuration(maxSpan)}`);
  }
  const step = req.stepSeconds ?? 0;
  if (!Number.isInteger(step) || step < 0) invalid(`step_seconds must be a whole number of seconds, got ${step}`);
  if (step > retention.coarseSeconds) {
    invalid(`step_seconds ${step} is longer than the ${kept} history keeps; use 0 to let the agent pick`);
  }

  // Raw 1 s points exist only for the last rawSeconds, minute aggregates for minuteSeconds;
  // older starts come from the 5 min aggregates.
  const rawWindow = retention.rawSeconds + RAW_QUERY_SLACK_SECONDS;
  const resolution: Resolution =
    spanSeconds <= rawWindow && startMs >= nowMs - rawWindow * 1000 ? "1s" : startMs >= nowMs - (retention.minuteSeconds + SPAN_MARGIN_SECONDS) * 1000 ? "1m" : "5m";
  const res = RESOLUTION_SECONDS[resolution];
  const fromSeconds = floorTo(Math.floor(startMs / 1000), res);
  const toSeconds = Math.floor(endMs / 1000);
  const points = (s: number) => Math.floor(toSeconds / s) - Math.floor(fromSeconds / s) + 1;

  let stepSeconds: number;
  if (step === 0) {
    stepSeconds = STEP_LADDER.find((s) => s >= res && points(s) <= MAX_POINTS) ?? 86400;
  } else {
    // A step finer than what is stored cannot be honoured; round it up to whole stored points.
    stepSeconds = Math.ceil(step / res) * res;
    if (points(stepSeconds) > MAX_POINTS) {
      const minStep = Math.ceil(Math.max(1, toSeconds - fromSeconds) / (MAX_POINTS - 2) / res) * res;
      invalid(
        `step_seconds ${step} gives ${points(stepSeconds)} points over this range; at most ${MAX_POINTS}: ` +
          `use step_seconds ≥ ${minStep}, or 0 to let the agent pick`,
      );
    }
  }
  return { resolution, stepSeconds, fromSeconds, toSeconds };
}

function invalid(message: string): never {
  throw new DomainError(message, "invalid-argument");
}

const floorTo = (t: number, step: number) => t - (((t % step) + step) % step);

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

function fmtDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return [d && `${d}d`, h && `${h}h`, m && `${m}m`].filter(Boolean).join("") || `${Math.round(seconds)}s`;
}
