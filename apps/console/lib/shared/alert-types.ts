// Alerts as the API, the pages and the CLI see them: plain JSON, times in ms since the epoch. No
// runtime code beyond constants.

/** Built in and on by default; `rollout-stopped` is raised by the rollout engine, not evaluated. */
export const BUILT_IN_RULES = ["machine-down", "service-failed", "service-restarts", "certificate-expiring", "unsandboxed", "rollout-stopped"] as const;
export type BuiltInRuleId = (typeof BUILT_IN_RULES)[number];

export type RuleKind = BuiltInRuleId | "threshold";

export const THRESHOLD_METRICS = ["cpu", "memory", "disk", "load", "service-cpu", "service-rss"] as const;
export type ThresholdMetric = (typeof THRESHOLD_METRICS)[number];

export type Severity = "critical" | "warning";

export interface RuleSpec {
  /** Label selector of the machines it watches ("" = every machine). */
  selector: string;
  /** Only this service ("" = every service, for service rules). */
  service: string;
  severity: Severity;
  /** The condition must hold this long before the alert fires (pending until then). */
  forSeconds: number;
  /** A firing alert is notified again this often (0: never again). */
  repeatMinutes: number;
  /** Channel ids to notify; empty: every channel. */
  channels: number[];
  metric?: ThresholdMetric;
  /** Fires when the metric is above this (percent, load, or bytes for service-rss). */
  threshold?: number;
  /** The mount point for `disk` ("/" when unset). */
  mount?: string;
  /** service-restarts: more than `restarts` restarts within `windowMinutes`. */
  restarts?: number;
  windowMinutes?: number;
  /** certificate-expiring: warn this many days ahead. */
  days?: number;
}

export interface AlertRule extends RuleSpec {
  id: string;
  kind: RuleKind;
  builtIn: boolean;
  enabled: boolean;
}

export type AlertState = "pending" | "firing" | "resolved";

export interface Alert {
  id: number;
  fingerprint: string;
  ruleId: string;
  agentId: string;
  /** The machine's name when the alert was listed. */
  machineName: string;
  service: string;
  state: AlertState;
  severity: Severity;
  summary: string;
  value: number | null;
  startedAt: number;
  firedAt: number | null;
  resolvedAt: number | null;
  /** A silence covers it: nothing is sent while it does. */
  silenced: boolean;
}

export type ChannelType = "webhook" | "slack" | "ntfy" | "email";

export interface AlertChannel {
  id: number;
  type: ChannelType;
  name: string;
  /** Where it sends, without secrets ("https://hooks.example.com/…", "ops@example.com"). */
  summary: string;
  createdAt: number;
  createdBy: string | null;
}

export interface Silence {
  id: number;
  selector: string;
  service: string;
  ruleId: string;
  endsAt: number;
  reason: string;
  createdBy: string;
  createdAt: number;
  /** Ended early by someone (null: runs to endsAt). */
  endedAt: number | null;
}

export interface DeliveryAttempt {
  at: number;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface AlertNotification {
  id: number;
  alertId: number;
  channelId: number;
  channelName: string;
  status: "firing" | "resolved" | "test";
  createdAt: number;
  attempts: number;
  deliveredAt: number | null;
  givenUpAt: number | null;
  lastError: string | null;
}
