// What one notification says, whatever the channel: one alert, firing or resolved, with the
// link back to its machine or service. Channels render it in their own format. No I/O.
import type { Severity } from "../../../shared/alert-types";

export interface NoticeAlert {
  status: "firing" | "resolved";
  ruleId: string;
  severity: Severity;
  agentId: string;
  machineName: string;
  service: string;
  summary: string;
  startsAt: number;
  /** null while firing. */
  endsAt: number | null;
  fingerprint: string;
  /** The machine's (or service's) page on the console. */
  url: string;
  /** Extra labels (the machine's own: env=prod…). */
  machineLabels: Record<string, string>;
}

export interface Notice {
  /** The channel's name. */
  receiver: string;
  /** The console's public URL. */
  externalUrl: string;
  alert: NoticeAlert;
  /** A "Send test" notice: says so in every format. */
  test?: boolean;
}

/** One line a person reads first: "[FIRING] web on db-1 failed: …". */
export function noticeTitle(n: Notice): string {
  const a = n.alert;
  const where = a.service ? `${a.service} on ${a.machineName}` : a.machineName;
  return `${n.test ? "[TEST] " : ""}[${a.status.toUpperCase()}] ${a.ruleId}: ${where}`;
}

export function noticeText(n: Notice): string {
  const a = n.alert;
  const lines = [a.status === "resolved" ? `Resolved: ${a.summary}` : a.summary, `Since ${new Date(a.startsAt).toISOString()}${a.endsAt ? `, resolved ${new Date(a.endsAt).toISOString()}` : ""}`, a.url];
  return lines.join("\n");
}
