import type { RolloutHostState, RolloutState } from "../../lib/shared/rollout-types";
import { StatusPill, type PillTone } from "../ui/status-pill";

const TONES: Record<RolloutState | RolloutHostState, PillTone> = {
  running: "warn",
  "awaiting-approval": "warn",
  succeeded: "running",
  incomplete: "warn",
  stopped: "failed",
  cancelled: "stopped",
  reverting: "warn",
  reverted: "stopped",
  pending: "unknown",
  installing: "warn",
  healthy: "running",
  failed: "failed",
  skipped: "down",
  "revert-failed": "failed",
};

export function RolloutStatePill({ state, testId }: { state: RolloutState | RolloutHostState; testId?: string }) {
  return (
    <StatusPill tone={TONES[state]} testId={testId}>
      {state}
    </StatusPill>
  );
}
