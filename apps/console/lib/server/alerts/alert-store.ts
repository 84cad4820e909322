import "server-only";
// Alerts in the alerts table: at most one open row (pending or firing) per fingerprint, that is
// per (rule, machine, service), enforced by a unique index; resolved rows are the history, kept
// SYSWARD_ALERT_HISTORY_DAYS. The engine holds the open rows in memory and writes every change
// through here, each in the same transaction as the notifications it queues.
import { createHash } from "node:crypto";
import type { AlertState, Severity } from "../../shared/alert-types";
import { getDb } from "../db/database";
import { whereClause } from "../db/where-clause";

export interface AlertRow {
  id: number;
  fingerprint: string;
  rule_id: string;
  agent_id: string;
  service: string;
  state: AlertState;
  severity: Severity;
  summary: string;
  value: number | null;
  started_at: number;
  fired_at: number | null;
  resolved_at: number | null;
  notified_at: number | null;
  external: number;
}

export function alertFingerprint(ruleId: string, agentId: string, service: string): string {
  return createHash("sha256").update(`${ruleId}\n${agentId}\n${service}`).digest("hex").slice(0, 16);
}

export function openAlertRows(): AlertRow[] {
  return getDb().prepare("SELECT * FROM alerts WHERE state != 'resolved'").all() as AlertRow[];
}

export function alertRow(id: number): AlertRow | null {
  return (getDb().prepare("SELECT * FROM alerts WHERE id = ?").get(id) as AlertRow | undefined) ?? null;
}

export type NewAlert = Pick<AlertRow, "fingerprint" | "rule_id" | "agent_id" | "service" | "state" | "severity" | "summary" | "value" | "started_at" | "fired_at"> & { external?: boolean };

export function insertAlert(a: NewAlert): AlertRow {
  const r = getDb()
    .prepare(
      `INSERT INTO alerts (fingerprint, rule_id, agent_id, service, state, severity, summary, value, started_at, fired_at, external)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(a.fingerprint, a.rule_id, a.agent_id, a.service, a.state, a.severity, a.summary.slice(0, 1000), a.value, a.started_at, a.fired_at, a.external ? 1 : 0);
  return alertRow(Number(r.lastInsertRowid))!;
}

export function markFiring(id: number, at: number, summary: string, value: number | null): void {
  getDb().prepare("UPDATE alerts SET state = 'firing', fired_at = ?, summary = ?, value = ? WHERE id = ?").run(at, summary.slice(0, 1000), value, id);
}

export function markResolved(id: number, at: number): void {
  getDb().prepare("UPDATE alerts SET state = 'resolved', resolved_at = ? WHERE id = ?").run(at, id);
}

export function markNotified(id: number, at: number): void {
  getDb().prepare("UPDATE alerts SET notified_at = ? WHERE id = ?").run(at, id);
}

/** A pending alert whose condition went away before it fired: nobody was told, nothing to keep. */
export function dropPending(id: number): void {
  getDb().prepare("DELETE FROM alerts WHERE id = ? AND state = 'pending'").run(id);
}

export interface AlertQuery {
  state?: AlertState;
  agentId?: string;
  /** Only alerts with a smaller id (paging back). */
  before?: number;
  limit: number;
}

/** Newest first. */
export function listAlertRows(q: AlertQuery): AlertRow[] {
  const where = whereClause([
    ["state = ?", q.state],
    ["agent_id = ?", q.agentId],
    ["id < ?", q.before],
  ]);
  return getDb().prepare(`SELECT * FROM alerts ${where.sql} ORDER BY id DESC LIMIT ?`).all(...where.args, q.limit) as AlertRow[];
}

/** Drops resolved alerts (and with them their notifications) older than the retention. */
export function pruneAlertHistory(now: number, days: number): number {
  return getDb().prepare("DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < ?").run(now - days * 86_400_000).changes;
}
