// Rollouts as the browser, the API and the CLI see them: plain JSON, times in ms since the epoch.
// No runtime code. The state machine is lib/server/rollouts/rollout-engine.ts.

/**
 * running → awaiting-approval → running (after the canary wave, when asked for)
 * running → succeeded (every host healthy) | incomplete (some hosts skipped, none failed)
 *         | stopped (a host failed; policy "stop") | cancelled
 * running → reverting (a host failed; policy "revert-all") → reverted
 * succeeded | incomplete | stopped | cancelled → reverting (manual revert) → reverted
 */
export type RolloutState = "running" | "awaiting-approval" | "succeeded" | "incomplete" | "stopped" | "cancelled" | "reverting" | "reverted";

/**
 * pending → installing ("install sent" is recorded before the first byte goes out)
 *         → healthy | failed (the agent kept or restored the old version) | skipped (down at its turn)
 * healthy | failed → reverting → reverted | revert-failed
 */
export type RolloutHostState = "pending" | "installing" | "healthy" | "failed" | "skipped" | "reverting" | "reverted" | "revert-failed";

export type FailurePolicy = "stop" | "revert-all";

export interface RolloutStrategy {
  /** Hosts in the first wave. */
  canary: number;
  /** Hosts per later wave: a count, or a percentage of the selected hosts ("25%"). */
  batch: { count: number } | { percent: number };
  /** Each host's health window (Install's healthSeconds). */
  healthSeconds: number;
  /** Seconds to wait between waves. */
  pauseSeconds: number;
  /** Wait for POST /approve after the canary wave. */
  approveAfterCanary: boolean;
  onFailure: FailurePolicy;
  /** A host down at its turn: wait for it to come back instead of skipping it. */
  waitForDown: boolean;
}

export interface RolloutHost {
  agentId: string;
  agentName: string;
  wave: number;
  state: RolloutHostState;
  /** The version id it ran before this rollout ("" when the service was not installed). */
  previousVersion: string;
  /** The version id the rollout installed. */
  newVersion: string;
  error: string;
  /** The agent's log lines for a failed health window. */
  logLines: string[];
  startedAt: number | null;
  finishedAt: number | null;
}

export interface RolloutSummary {
  id: number;
  service: string;
  selector: string;
  sha256: string;
  sizeBytes: number;
  strategy: RolloutStrategy;
  state: RolloutState;
  /** Why it ended as it did ("web2 failed its health window"), or "". */
  reason: string;
  createdBy: string;
  createdAt: number;
  finishedAt: number | null;
  hostCount: number;
  healthyCount: number;
}

export interface RolloutDetail extends RolloutSummary {
  /** In wave order. */
  hosts: RolloutHost[];
}

export const FINISHED_ROLLOUT_STATES: readonly RolloutState[] = ["succeeded", "incomplete", "stopped", "cancelled", "reverted"];
