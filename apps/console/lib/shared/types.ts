// Plain data shapes shared by server code and UI components. No runtime code, no Node imports.

export type Role = "admin" | "viewer";

export interface User {
  id: number;
  username: string;
  role: Role;
}

export interface UserSummary extends User {
  /** ISO 8601. */
  createdAt: string;
}

export interface AgentSummary {
  id: string;
  name: string;
  /** `unix:///path/agent.sock` today; `https://host:port` (mTLS) later. */
  address: string;
}

/** GET /api/agents: a machine as the fleet monitor sees it. */
export interface AgentStatus extends AgentSummary {
  up: boolean;
  state: "connecting" | "up" | "down";
  /** ISO 8601: when `state` last changed. */
  since: string;
  /** Why it is down, or "". */
  reason: string;
  labels: Record<string, string>;
  hostname: string;
  agentVersion: string;
  services: number;
  failedServices: number;
}

export interface ApiTokenSummary {
  id: number;
  userId: number;
  username: string;
  name: string;
  /** The token's first characters, enough to recognise it; the rest is never stored. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** After this it authenticates nobody; null: until revoked. */
  expiresAt: string | null;
}

export type AuditResult = "ok" | "failed" | "denied";

export interface AuditEntry {
  id: number;
  /** ISO 8601. */
  at: string;
  username: string | null;
  address: string | null;
  /** e.g. "login", "login.failed", "install", "user.create" (see lib/server/audit/audit-log.ts). */
  action: string;
  target: string | null;
  result: AuditResult;
  detail: string | null;
  /** How many times this happened, the last at `at` (unauthenticated events are collapsed). */
  repeats: number;
}

/** One line of the upload route's NDJSON response. */
export type InstallPhaseName =
  | "receiving"
  | "verifying"
  | "starting"
  | "health"
  | "running"
  | "rolled-back"
  | "failed";

export interface UploadPhaseEvent {
  type: "phase";
  phase: InstallPhaseName;
  detail: string;
  /** Bytes of the package the console has passed to the agent so far (receiving only). */
  bytes?: number;
}

export interface InstalledService {
  name: string;
  version: string;
  sha256: string;
  state: string;
  pids: number[];
  runtime: string;
}

export type UploadResultEvent =
  | { type: "result"; ok: true; service: InstalledService; previousVersion?: string }
  | {
      type: "result";
      ok: false;
      /** A Connect code in snake_case, e.g. "failed_precondition", "invalid_argument", "aborted". */
      code: string;
      message: string;
      logLines: string[];
      previousStillRunning: boolean;
    };

export type UploadEvent = UploadPhaseEvent | UploadResultEvent;
