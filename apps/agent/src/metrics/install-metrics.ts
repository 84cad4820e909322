// Install counters, fed by ServiceManager's onInstall hook. "started" counts installs that got past
// the header checks and took their name's lock; each ends exactly once as succeeded, failed, or
// rolled back (the new version was started, failed its health window, and the previous one is back).
import { Counter, type Registry } from "prom-client";

export type InstallEvent = "started" | "succeeded" | "failed" | "rolled-back";

const OUTCOMES = { succeeded: "succeeded", failed: "failed", "rolled-back": "rolled_back" } as const;

export function registerInstallMetrics(registry: Registry): (event: InstallEvent) => void {
  const started = new Counter({
    name: "sysward_agent_installs_started_total",
    help: "Installs that passed the header checks and began receiving the package.",
    registers: [registry],
  });
  const finished = new Counter({
    name: "sysward_agent_installs_finished_total",
    help: "Installs that ended, by outcome: succeeded, failed, or rolled_back (the previous version runs again).",
    labelNames: ["outcome"],
    registers: [registry],
  });
  // Every outcome is exported from the start, so rate() and alerts see a 0 rather than no series.
  for (const outcome of Object.values(OUTCOMES)) finished.inc({ outcome }, 0);
  return (event) => {
    if (event === "started") started.inc();
    else finished.inc({ outcome: OUTCOMES[event] });
  };
}
