import "server-only";
// Who did what, when, from where, and how it ended. Every login (and failure), logout, install,
// remove, start/stop/restart/rollback, and user, token or agent change is written here.
import type { AuditEntry, AuditResult, User } from "../../shared/types";
import { getDb } from "../db/database";

export type AuditAction =
  | "login"
  | "login.failed"
  | "login.throttled"
  | "logout"
  | "install"
  | "remove"
  | "start"
  | "stop"
  | "restart"
  | "rollback"
  | "user.create"
  | "user.delete"
  | "user.password-reset"
  | "token.create"
  | "token.delete"
  | "agent.register"
  | "agent.delete"
  | "agent.enroll"
  | "agent.label"
  | "agent.renew"
  | "agent.credentials"
  | "enrollment.create"
  | "enrollment.cancel"
  | "certificate.revoke"
  | "certificate.rotate"
  | "access.denied";

export interface AuditInput {
  actor: User | { username: string; id?: undefined } | null;
  address: string | null;
  action: AuditAction;
  target?: string | null;
  result: AuditResult;
  /** Never a password or token. */
  detail?: string | null;
}

export function audit(entry: AuditInput): void {
  getDb()
    .prepare("INSERT INTO audit_log (at, user_id, username, address, action, target, result, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    .run(Date.now(), entry.actor?.id ?? null, entry.actor?.username ?? null, entry.address, entry.action, entry.target ?? null, entry.result, entry.detail?.slice(0, 2000) ?? null);
}

interface Row {
  id: number;
  at: number;
  username: string | null;
  address: string | null;
  action: string;
  target: string | null;
  result: AuditResult;
  detail: string | null;
}

/** Newest first. */
export function listAudit({ limit = 200 }: { limit?: number } = {}): AuditEntry[] {
  const n = Math.max(1, Math.min(Math.floor(limit) || 200, 5000));
  const rows = getDb().prepare("SELECT id, at, username, address, action, target, result, detail FROM audit_log ORDER BY id DESC LIMIT ?").all(n) as Row[];
  return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
}
