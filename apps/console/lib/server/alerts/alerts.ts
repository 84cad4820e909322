import "server-only";
// The process's one AlertEngine, on globalThis like the fleet monitor (Next loads server modules
// in several bundles of one process). Started with the server (bootstrap.ts).
import { getConfig } from "../config";
import { getFleetMonitor } from "../fleet/fleet";
import { getLogger } from "../log";
import { AlertEngine } from "./alert-engine";

const KEY = Symbol.for("sysward.console.alertEngine");
type Holder = { [KEY]?: AlertEngine };

export function getAlertEngine(): AlertEngine {
  const holder = globalThis as Holder;
  let e = holder[KEY];
  if (!e) {
    const c = getConfig();
    e = holder[KEY] = new AlertEngine({
      fleet: getFleetMonitor(),
      evalMs: c.alertEvalMs,
      historyDays: c.alertHistoryDays,
      retryBaseMs: c.alertRetryBaseMs,
      retryMaxMs: c.alertRetryMaxMs,
      maxAttempts: c.alertMaxAttempts,
      log: getLogger(),
    });
    e.start();
  }
  return e;
}

/** Stops evaluating and sending (tests, shutdown); the next getAlertEngine() starts afresh from the DB. */
export async function stopAlertEngine(): Promise<void> {
  const holder = globalThis as Holder;
  const e = holder[KEY];
  delete holder[KEY];
  await e?.stop();
}
