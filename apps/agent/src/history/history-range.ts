// Pure: validates a history request and decides how to answer it — which stored resolution,
// and which step so that a chart gets at most MAX_POINTS points. Errors are DomainError
// InvalidArgument with a message that says what to change.
import { DomainError } from "../domain-error";

export const RAW_RETENTION_SECONDS = 3600;
export const AGGREGATE_RETENTION_SECONDS = 7 * 86400;
export const MAX_POINTS = 1000;
/** Slack on the 1 s tier's hour, so "the last hour" from a clock a little behind still gets 1 s points. */
export const RAW_QUERY_SLACK_SECONDS = 60;
/** Spans a little over 7 days are accepted (a "last 7 days" chart computed on a skewed clock). */
const SPAN_MARGIN_SECONDS = 3600;
/** Clocks of the console and the agent may differ a little; more than this is a bad request. */
const FUTURE_MARGIN_SECONDS = 60;
/** Steps a chart would use: each stored resolution's points group evenly into them. */
const STEP_LADDER = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
] as const;

export type Resolution = "1s" | "1m";

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

export function planHistoryQuery(req: HistoryRequest, nowMs: number): HistoryPlan {
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
  const maxSpan = AGGREGATE_RETENTION_SECONDS + SPAN_MARGIN_SECONDS;
  if (spanSeconds > maxSpan) {
    invalid(`range spans ${fmtDuration(spanSeconds)}; history keeps 7 days, so ask for at most ${fmtDuration(maxSpan)}`);
  }
  const step = req.stepSeconds ?? 0;
  if (!Number.isInteger(step) || step < 0) invalid(`step_seconds must be a whole number of seconds, got ${step}`);
  if (step > AGGREGATE_RETENTION_SECONDS) {
    invalid(`step_seconds ${step} is longer than the 7 days history keeps; use 0 to let the agent pick`);
  }

  // Raw 1 s points exist only for the last hour; anything else comes from minute aggregates.
  const rawWindow = RAW_RETENTION_SECONDS + RAW_QUERY_SLACK_SECONDS;
  const resolution: Resolution = spanSeconds <= rawWindow && startMs >= nowMs - rawWindow * 1000 ? "1s" : "1m";
  const res = resolution === "1s" ? 1 : 60;
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
