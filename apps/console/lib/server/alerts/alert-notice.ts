import "server-only";
// An alert row → the Notice every channel renders, with the link back to the console's page of
// its machine (and service) under the console's public URL.
import type { MachineState } from "../../shared/fleet-types";
import { getConfig } from "../config";
import type { AlertRow } from "./alert-store";
import type { Notice } from "./channels/notice";

export function alertUrl(agentId: string, service: string): string {
  const base = `${getConfig().publicUrl}/agents/${encodeURIComponent(agentId)}`;
  return service ? `${base}?service=${encodeURIComponent(service)}` : base;
}

export function noticeFor(a: AlertRow, status: "firing" | "resolved", receiver: string, machine: MachineState | undefined): Notice {
  const agentId = a.agent_id;
  return {
    receiver,
    externalUrl: getConfig().publicUrl,
    alert: {
      status,
      ruleId: a.rule_id,
      severity: a.severity,
      agentId,
      machineName: machine?.name ?? (agentId || "fleet"),
      service: a.service,
      summary: a.summary,
      startsAt: a.fired_at ?? a.started_at,
      endsAt: status === "resolved" ? (a.resolved_at ?? Date.now()) : null,
      fingerprint: a.fingerprint,
      url: agentId ? alertUrl(agentId, a.service) : getConfig().publicUrl + "/alerts",
      machineLabels: machine?.labels ?? {},
    },
  };
}

/** What "Send test" sends: an alert that says it is a test. */
export function testNotice(receiver: string, now: number): Notice {
  return {
    receiver,
    externalUrl: getConfig().publicUrl,
    test: true,
    alert: {
      status: "firing",
      ruleId: "test",
      severity: "warning",
      agentId: "",
      machineName: "Sysward console",
      service: "",
      summary: `A test notification from the Sysward console to channel ${receiver}`,
      startsAt: now,
      endsAt: null,
      fingerprint: "0000000000000000",
      url: `${getConfig().publicUrl}/alerts`,
      machineLabels: {},
    },
  };
}
