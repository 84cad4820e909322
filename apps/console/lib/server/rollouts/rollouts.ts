import "server-only";
// The process's one RolloutEngine, on globalThis (Next loads server modules in several bundles),
// started with the server (bootstrap.ts): it carries on with the rollouts the DB says are running.
import { Code, ConnectError } from "@connectrpc/connect";
import { agentClient } from "../agents/agent-client";
import { agentConnection } from "../agents/agent-connection";
import { getAgentRecord } from "../agents/registry";
import { audit } from "../audit/audit-log";
import { getFleetMonitor } from "../fleet/fleet";
import { raiseRolloutStopped, resolveRolloutStopped } from "../alerts/external-conditions";
import { getLogger } from "../log";
import { RolloutEngine } from "./rollout-engine";

const KEY = Symbol.for("sysward.console.rolloutEngine");
type Holder = { [KEY]?: RolloutEngine };

export function getRolloutEngine(): RolloutEngine {
  const holder = globalThis as Holder;
  let engine = holder[KEY];
  if (!engine) {
    engine = holder[KEY] = new RolloutEngine({
      machines: getFleetMonitor(),
      client: (agentId) => {
        const record = getAgentRecord(agentId);
        if (!record) throw new ConnectError(`machine ${agentId} is no longer registered`, Code.Unavailable);
        return agentClient(agentConnection(record));
      },
      audit,
      log: getLogger(),
      // One alert per service: a later rollout of it that succeeds resolves it.
      outcome: {
        stopped: (service, reason) => raiseRolloutStopped({ service, reason }),
        succeeded: (service) => resolveRolloutStopped({ service }),
      },
    });
    engine.resume();
  }
  return engine;
}

/** Stops driving rollouts, leaving the DB as a restart finds it (tests, shutdown). */
export async function stopRolloutEngine(): Promise<void> {
  const holder = globalThis as Holder;
  const engine = holder[KEY];
  delete holder[KEY];
  await engine?.stop();
}
