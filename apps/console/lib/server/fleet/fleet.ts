import "server-only";
// The process's one FleetMonitor, on globalThis because Next loads server modules in several
// bundles (instrumentation, route handlers, pages) of the same process.
import { FleetMonitor } from "./fleet-monitor";
import { allLabels } from "./labels";

const KEY = Symbol.for("sysward.console.fleetMonitor");
type Holder = { [KEY]?: FleetMonitor };

/** The running monitor, started on first use (the server starts it at boot: bootstrap.ts). */
export function getFleetMonitor(): FleetMonitor {
  const holder = globalThis as Holder;
  let m = holder[KEY];
  if (!m) {
    m = holder[KEY] = new FleetMonitor({ labels: allLabels });
    m.start();
  }
  return m;
}

/** Stops watching every machine (tests, shutdown). */
export async function stopFleetMonitor(): Promise<void> {
  const holder = globalThis as Holder;
  const m = holder[KEY];
  delete holder[KEY];
  await m?.stop();
}
