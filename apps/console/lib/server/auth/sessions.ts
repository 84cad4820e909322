import "server-only";
// Login sessions: a random id in an HttpOnly cookie, only its hash in SQLite. A session ends when
// idle too long, when too old, at logout, or when its user is deleted.
import type { User } from "../../shared/types";
import { getConfig } from "../config";
import { getDb } from "../db/database";
import { prepared } from "../db/prepared";
import { hashSecret, newSecret } from "./secret-hash";

export { SESSION_COOKIE } from "../../shared/session-cookie";

/** Writing last_seen_at on every request would make each page view a disk write; a minute is precise enough. */
const TOUCH_EVERY_MS = 60_000;

export interface SessionLimits {
  idleMs: number;
  maxMs: number;
}

function sessionLimits(): SessionLimits {
  const c = getConfig();
  return { idleMs: c.sessionIdleMs, maxMs: c.sessionMaxMs };
}

/** Pure: is a session with these times still valid at `now`? */
function sessionIsLive(s: { createdAt: number; lastSeenAt: number }, now: number, limits: SessionLimits): boolean {
  return now - s.lastSeenAt < limits.idleMs && now - s.createdAt < limits.maxMs;
}

export function createSession(userId: number, address: string | null): { id: string; maxAgeSeconds: number } {
  const id = newSecret();
  const now = Date.now();
  const limits = sessionLimits();
  const db = getDb();
  db.prepare("INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, address) VALUES (?, ?, ?, ?, ?)").run(hashSecret(id), userId, now, now, address);
  // Housekeeping rides on logins: drop sessions nobody can use any more.
  db.prepare("DELETE FROM sessions WHERE last_seen_at <= ? OR created_at <= ?").run(now - limits.idleMs, now - limits.maxMs);
  return { id, maxAgeSeconds: Math.floor(limits.maxMs / 1000) };
}

interface SessionRow {
  created_at: number;
  last_seen_at: number;
  user_id: number;
  username: string;
  role: User["role"];
}

/** The session's user, or null when the id is unknown or expired (an expired row is deleted). */
export function userForSession(id: string | undefined | null): User | null {
  if (!id) return null;
  const db = getDb();
  const idHash = hashSecret(id);
  const row = prepared(db, "SELECT s.created_at, s.last_seen_at, u.id AS user_id, u.username, u.role FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?").get(idHash) as SessionRow | undefined;
  if (!row) return null;
  const now = Date.now();
  if (!sessionIsLive({ createdAt: row.created_at, lastSeenAt: row.last_seen_at }, now, sessionLimits())) {
    db.prepare("DELETE FROM sessions WHERE id_hash = ?").run(idHash);
    return null;
  }
  if (now - row.last_seen_at >= TOUCH_EVERY_MS) db.prepare("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?").run(now, idHash);
  return { id: row.user_id, username: row.username, role: row.role };
}

export function deleteSession(id: string): void {
  getDb().prepare("DELETE FROM sessions WHERE id_hash = ?").run(hashSecret(id));
}

/** Ends every session of `userId` but `keepId` (the one that just changed the password). */
export function deleteOtherSessions(userId: number, keepId: string | undefined): void {
  getDb().prepare("DELETE FROM sessions WHERE user_id = ? AND id_hash != ?").run(userId, keepId ? hashSecret(keepId) : "");
}
