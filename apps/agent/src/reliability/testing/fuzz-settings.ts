// How many fuzz cases to run: small defaults keep `npm test` quick; `npm run fuzz` (reliability/fuzz.mjs)
// raises them with FUZZ_RUNS (in-process extractor cases) and FUZZ_AGENT_RUNS (installs over the real
// socket; default a tenth of FUZZ_RUNS). FUZZ_SEED (and FUZZ_PATH) replay a failure fast-check reported.
import type { Parameters } from "fast-check";

function intEnv(key: string, min = 1): number | undefined {
  const raw = process.env[key];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${key}=${JSON.stringify(raw)} must be a whole number ≥ ${min}`);
  return n;
}

export function extractorRuns(fallback: number): number {
  return intEnv("FUZZ_RUNS") ?? fallback;
}

export function agentRuns(fallback: number): number {
  const all = intEnv("FUZZ_RUNS");
  return intEnv("FUZZ_AGENT_RUNS") ?? (all ? Math.max(1, Math.ceil(all / 10)) : fallback);
}

/** fast-check parameters shared by the fuzz tests: the seed when replaying, and a per-case time limit (a hang is a bug). */
export function fuzzParameters<T>(numRuns: number, caseTimeoutMs: number): Parameters<T> {
  const seed = intEnv("FUZZ_SEED", Number.MIN_SAFE_INTEGER);
  const path = process.env.FUZZ_PATH || undefined;
  return { numRuns, timeout: caseTimeoutMs, ...(seed === undefined ? {} : { seed }), ...(path ? { path } : {}), endOnFailure: true };
}
