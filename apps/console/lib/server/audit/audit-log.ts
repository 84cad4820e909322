import "server-only";
// Who did what, when, from where, and how it ended. Every login (and failure), logout, install,
// remove, start/stop/restart/rollback, rollout (and each host's result), and user, token or agent
// change is written here.
import type { AuditEntry, AuditResult, User } from "../../shared/types";
import { getConfig } from "../config";
import { getDb } from "../db/database";

/**
 * Events of nobody signed in (a failed login, an enrollment or credentials call with a bad
 * token) come as fast as anyone can send them: the same event from the same address within this
 * window adds to one row's count instead of a row each.
 */
const COLLAPSE_MS = 60_000;
/** Retention is enforced at most this often, by the write that finds it due. */
const PRUNE_EVERY_MS = 3_600_000;
let prunedAt = 0;

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
  | "user.password-change"
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
  | "rollout.start"
  | "rollout.host"
  | "rollout.cancel"
  | "rollout.approve"
  | "rollout.revert"
  | "alert.channel.create"
  | "alert.channel.delete"
  | "alert.channel.test"
  | "alert.rule.create"
  | "alert.rule.edit"
  | "alert.rule.delete"
  | "alert.silence.create"
  | "alert.silence.end"
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
  const db = getDb();
  const now = Date.now();
  const username = entry.actor?.username ?? null;
  const target = entry.target ?? null;
  const detail = entry.detail?.slice(0, 2000) ?? null;
  if (entry.actor?.id === undefined) {
    const collapsed = db
      .prepare(
        `UPDATE audit_log SET repeats = repeats + 1, at = ?, detail = ? WHERE id = (
           SELECT id FROM audit_log WHERE at > ? AND user_id IS NULL AND action = ? AND result = ?
             AND username IS ? AND address IS ? AND target IS ? ORDER BY id DESC LIMIT 1)`,
      )
      .run(now, detail, now - COLLAPSE_MS, entry.action, entry.result, username, entry.address, target);
    if (collapsed.changes > 0) return;
  }
  db.prepare("INSERT INTO audit_log (at, user_id, username, address, action, target, result, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)").run(
    now,
    entry.actor?.id ?? null,
    username,
    entry.address,
    entry.action,
    target,
    entry.result,
    detail,
  );
  if (now - prunedAt >= PRUNE_EVERY_MS) {
    prunedAt = now;
    pruneAudit(now);
  }
}

/** Drops rows older than SYSWARD_AUDIT_RETENTION_DAYS. */
export function pruneAudit(now = Date.now()): number {
  return getDb().prepare("DELETE FROM audit_log WHERE at < ?").run(now - getConfig().auditRetentionDays * 86_400_000).changes;
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
  repeats: number;
}

/** Newest first. */
export function listAudit({ limit = 200 }: { limit?: number } = {}): AuditEntry[] {
  const n = Math.max(1, Math.min(Math.floor(limit) || 200, 5000));
  const rows = getDb().prepare("SELECT id, at, username, address, action, target, result, detail, repeats FROM audit_log ORDER BY at DESC, id DESC LIMIT ?").all(n) as Row[];
  return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
}
