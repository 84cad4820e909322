import "server-only";
// One-time enrollment tokens: an admin makes one for a named machine; the machine's agent sends
// it once to /api/enroll before it expires. Only the SHA-256 is stored.
import { randomBytes } from "node:crypto";
import { getDb } from "../db/database";
import { hashSecret } from "../auth/secret-hash";

const ENROLLMENT_PREFIX = "swe_";

export interface Enrollment {
  id: number;
  agentId: string;
  name: string;
  createdBy: number | null;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

interface Row {
  id: number;
  agent_id: string;
  name: string;
  created_by: number | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

const fromRow = (r: Row): Enrollment => ({ id: r.id, agentId: r.agent_id, name: r.name, createdBy: r.created_by, createdAt: r.created_at, expiresAt: r.expires_at, usedAt: r.used_at });

export function createEnrollment(input: { agentId: string; name: string; createdBy: number; ttlMs: number }): { token: string; enrollment: Enrollment } {
  const token = ENROLLMENT_PREFIX + randomBytes(32).toString("base64url");
  const now = Date.now();
  const id = getDb()
    .prepare("INSERT INTO enrollments (token_hash, agent_id, name, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
    .run(hashSecret(token), input.agentId, input.name, input.createdBy, now, now + input.ttlMs).lastInsertRowid;
  return { token, enrollment: { id: Number(id), agentId: input.agentId, name: input.name, createdBy: input.createdBy, createdAt: now, expiresAt: now + input.ttlMs, usedAt: null } };
}

/** The enrollment a token opens, if it exists, has not expired and was never used. */
export function usableEnrollment(token: unknown): Enrollment | null {
  if (typeof token !== "string" || !token.startsWith(ENROLLMENT_PREFIX) || token.length > 200) return null;
  const row = getDb().prepare("SELECT * FROM enrollments WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?").get(hashSecret(token), Date.now()) as Row | undefined;
  return row ? fromRow(row) : null;
}

/** Burns the token; false when someone else used it first (or it expired meanwhile). */
export function claimEnrollment(id: number): boolean {
  return getDb().prepare("UPDATE enrollments SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?").run(Date.now(), id, Date.now()).changes === 1;
}

/** Undoes a claim when the enrollment failed on the console's side, so the person can retry. */
export function releaseEnrollment(id: number): void {
  getDb().prepare("UPDATE enrollments SET used_at = NULL WHERE id = ?").run(id);
}

/** Enrollments not yet used (expired ones included, so the admin sees them lapse). */
export function pendingEnrollments(): Enrollment[] {
  return (getDb().prepare("SELECT * FROM enrollments WHERE used_at IS NULL ORDER BY id DESC LIMIT 100").all() as Row[]).map(fromRow);
}

export type CancelOutcome = { result: "cancelled"; enrollment: Enrollment } | { result: "used"; enrollment: Enrollment } | { result: "missing" };

/**
 * Deletes an enrollment nobody has used (expired or not), so its token can never work. A used
 * one stays: it is the record of how a machine joined, and that machine is removed instead.
 */
export function cancelEnrollment(id: number): CancelOutcome {
  const db = getDb();
  return db.transaction((): CancelOutcome => {
    const row = db.prepare("SELECT * FROM enrollments WHERE id = ?").get(id) as Row | undefined;
    if (!row) return { result: "missing" };
    if (row.used_at !== null) return { result: "used", enrollment: fromRow(row) };
    db.prepare("DELETE FROM enrollments WHERE id = ? AND used_at IS NULL").run(id);
    return { result: "cancelled", enrollment: fromRow(row) };
  })();
}
