// A rollout's plan, pure: the strategy read from a form or JSON, the selector in one canonical
// spelling (so "role=web,env=prod" and "env=prod, role=web" are the same rollout target), and
// which wave each selected host belongs to.
import { MAX_HEALTH_SECONDS, parseSelector, SelectorError, type Selector } from "@sysward/contract";
import type { FailurePolicy, RolloutStrategy } from "../../shared/rollout-types";
import { RolloutInputError } from "./rollout-errors";

export const DEFAULT_HEALTH_SECONDS = 30;
const MAX_PAUSE_SECONDS = 24 * 3600;

/** The selector's requirements sorted, values sorted: one text per meaning. */
export function canonicalSelector(selector: Selector): string {
  return selector
    .map((r) => {
      if (!("values" in r)) return r.op === "exists" ? r.key : `!${r.key}`;
      const values = [...new Set(r.values)].sort();
      if (values.length === 1) return `${r.key}${r.op === "in" ? "=" : "!="}${values[0]}`;
      return `${r.key} ${r.op} (${values.join(",")})`;
    })
    .sort()
    .join(",");
}

export function parseRolloutSelector(text: string | undefined): Selector {
  if (!text?.trim()) throw new RolloutInputError('a rollout needs a selector ("role=web"): it picks the machines by their labels');
  try {
    return parseSelector(text);
  } catch (err) {
    if (err instanceof SelectorError) throw new RolloutInputError(`selector: ${err.message}`);
    throw err;
  }
}

function wholeNumber(name: string, text: string | undefined, min: number, max: number, fallback: number): number {
  const t = text?.trim() ?? "";
  if (t === "") return fallback;
  const n = Number(t);
  if (!Number.isInteger(n) || n < min || n > max) throw new RolloutInputError(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(t)})`);
  return n;
}

function flag(name: string, text: string | undefined): boolean {
  const t = text?.trim().toLowerCase() ?? "";
  if (t === "" || t === "false" || t === "0") return false;
  if (t === "true" || t === "1") return true;
  throw new RolloutInputError(`${name} must be true or false (got ${JSON.stringify(text)})`);
}

/** The strategy from named text fields (a multipart form's, or a JSON body's as text); defaults for the absent ones. */
export function parseStrategy(field: (name: string) => string | undefined): RolloutStrategy {
  const batchText = field("batch")?.trim() ?? "";
  let batch: RolloutStrategy["batch"] = { count: 1 };
  if (batchText.endsWith("%")) {
    batch = { percent: wholeNumber("batch percentage", batchText.slice(0, -1), 1, 100, 1) };
  } else if (batchText !== "") {
    batch = { count: wholeNumber("batch", batchText, 1, 100_000, 1) };
  }
  const onFailure = field("onFailure")?.trim() || "stop";
  if (onFailure !== "stop" && onFailure !== "revert-all") throw new RolloutInputError(`onFailure must be "stop" or "revert-all" (got ${JSON.stringify(onFailure)})`);
  return {
    canary: wholeNumber("canary", field("canary"), 0, 100_000, 1),
    batch,
    healthSeconds: wholeNumber("healthSeconds", field("healthSeconds"), 0, MAX_HEALTH_SECONDS, DEFAULT_HEALTH_SECONDS),
    pauseSeconds: wholeNumber("pauseSeconds", field("pauseSeconds"), 0, MAX_PAUSE_SECONDS, 0),
    approveAfterCanary: flag("approveAfterCanary", field("approveAfterCanary")),
    onFailure: onFailure as FailurePolicy,
    waitForDown: flag("waitForDown", field("waitForDown")),
  };
}

/** The wave of each of `hostCount` hosts, in order: the canary wave first, then batches. */
export function planWaves(hostCount: number, strategy: RolloutStrategy): number[] {
  const waves: number[] = [];
  const canary = Math.min(strategy.canary, hostCount);
  for (let i = 0; i < canary; i++) waves.push(0);
  const per = "count" in strategy.batch ? strategy.batch.count : Math.max(1, Math.ceil((hostCount * strategy.batch.percent) / 100));
  const first = canary > 0 ? 1 : 0;
  for (let i = 0; i < hostCount - canary; i++) waves.push(first + Math.floor(i / per));
  return waves;
}
