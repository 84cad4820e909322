"use client";

import { firingOf, useOpenAlerts } from "../../lib/client/open-alerts";

/** "2 alerts" on a machine (every alert of it) or a service, linking to the Alerts page; nothing when none fire. */
export function AlertBadge({ agentId, service, testId }: { agentId: string; service?: string; testId?: string }) {
  const firing = firingOf(useOpenAlerts(), agentId, service).filter((a) => !a.silenced);
  if (firing.length === 0) return null;
  return (
    <span className="pill pill-failed" data-testid={testId ?? `alert-badge-${agentId}${service ? `-${service}` : ""}`} title={firing.map((a) => a.summary).join("\n")}>
      {firing.length} alert{firing.length === 1 ? "" : "s"}
    </span>
  );
}

/** The nav's count of firing alerts (silenced ones not counted). */
export function AlertsNavBadge() {
  const n = useOpenAlerts().filter((a) => a.state === "firing" && !a.silenced).length;
  if (n === 0) return null;
  return (
    <span className="badge" style={{ background: "var(--red)", color: "white", marginLeft: 6 }} data-testid="nav-alerts-count">
      {n}
    </span>
  );
}
