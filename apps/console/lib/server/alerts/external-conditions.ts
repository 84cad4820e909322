import "server-only";
// Conditions other parts of the console raise and resolve themselves, for rules the engine does
// not evaluate: a rollout that stopped (health gate failed, reverted) raises `rollout-stopped` for
// its service (and machine, when one machine stopped it) and resolves it when the rollout goes on
// or is replaced. Raising twice is one alert; resolving what is not raised is a no-op.
import type { Alert } from "../../shared/alert-types";
import { getAlertEngine } from "./alerts";

export interface RolloutStopped {
  service: string;
  /** The machine where it stopped, when it is one machine's doing. */
  agentId?: string;
  /** What a person reads: "health check failed on web-2 after 30 s; reverted to 3-1a2b3c4d". */
  reason: string;
}

export function raiseRolloutStopped(c: RolloutStopped): Alert {
  return getAlertEngine().raise({ ruleId: "rollout-stopped", service: c.service, agentId: c.agentId, summary: `rollout of ${c.service} stopped: ${c.reason}` });
}

export function resolveRolloutStopped(c: Omit<RolloutStopped, "reason">): boolean {
  return getAlertEngine().resolve({ ruleId: "rollout-stopped", service: c.service, agentId: c.agentId });
}
