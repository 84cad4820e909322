import "server-only";
// API tokens for scripts (`Authorization: Bearer swt_…`). Shown once at creation; only the hash
// and a short prefix are kept. A token acts as its user, with that user's role.
import type { ApiTokenSummary, User } from "../../shared/types";
import { getDb } from "../db/database";
import { prepared } from "../db/prepared";
import { HttpError } from "../http-errors";
import { hashSecret, newSecret } from "./secret-hash";

const PREFIX = "swt_";
/** Recording every use would be a write per request; a minute is precise enough. */
const TOUCH_EVERY_MS = 60_000;

interface TokenRow {
  id: number;
  user_id: number;
  username: string;
  name: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
}

const toSummary = (r: TokenRow): ApiTokenSummary => ({
  id: r.id,
  userId: r.user_id,
  username: r.username,
  name: r.name,
  prefix: r.prefix,
  createdAt: new Date(r.created_at).toISOString(),
  lastUsedAt: r.last_used_at === null ? null : new Date(r.last_used_at).toISOString(),
  expiresAt: r.expires_at === null ? null : new Date(r.expires_at).toISOString(),
});

/** Longest lifetime a token may be given, in days (ten years; "never" is no expiry at all). */
export const MAX_TOKEN_DAYS = 3650;
const DAY_MS = 86_400_000;

function tokenNameProblem(name: string): string | null {
  return name.trim().length >= 1 && name.length <= 100 ? null : "token names need 1–100 characters";
}

/**
 * Creates a token for `userId`, valid for `expiresInDays` (or until revoked); the returned `token`
 * is the only copy there will ever be.
 */
export function createToken(userId: number, name: string, expiresInDays?: number): { token: string; summary: ApiTokenSummary } {
  const problem = tokenNameProblem(name);
  if (problem) throw new HttpError(400, problem);
  if (expiresInDays !== undefined && !(Number.isInteger(expiresInDays) && expiresInDays >= 1 && expiresInDays <= MAX_TOKEN_DAYS)) {
    throw new HttpError(400, `expiresInDays must be a whole number of days from 1 to ${MAX_TOKEN_DAYS}, or left out for a token that lasts until revoked`);
  }
  const token = PREFIX + newSecret();
  const db = getDb();
  const now = Date.now();
  const info = db
    .prepare("INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
    .run(userId, name.trim(), hashSecret(token), token.slice(0, PREFIX.length + 6), now, expiresInDays === undefined ? null : now + expiresInDays * DAY_MS);
  return { token, summary: getToken(Number(info.lastInsertRowid))! };
}

export function getToken(id: number): ApiTokenSummary | null {
  const row = getDb()
    .prepare("SELECT t.id, t.user_id, u.username, t.name, t.prefix, t.created_at, t.last_used_at, t.expires_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?")
    .get(id) as TokenRow | undefined;
  return row ? toSummary(row) : null;
}

/** One user's tokens, or everyone's when `userId` is omitted (admins revoke any token). */
export function listTokens(userId?: number): ApiTokenSummary[] {
  const sql = "SELECT t.id, t.user_id, u.username, t.name, t.prefix, t.created_at, t.last_used_at, t.expires_at FROM api_tokens t JOIN users u ON u.id = t.user_id";
  const rows = (userId === undefined
    ? getDb().prepare(`${sql} ORDER BY t.created_at DESC, t.id DESC`).all()
    : getDb().prepare(`${sql} WHERE t.user_id = ? ORDER BY t.created_at DESC, t.id DESC`).all(userId)) as TokenRow[];
  return rows.map(toSummary);
}

export function deleteToken(id: number): ApiTokenSummary {
  const summary = getToken(id);
  if (!summary) throw new HttpError(404, `no API token with id ${id}`);
  getDb().prepare("DELETE FROM api_tokens WHERE id = ?").run(id);
  return summary;
}

/** The token's user, or null when the token is unknown, revoked or expired. */
export function userForToken(token: string): User | null {
  const db = getDb();
  const now = Date.now();
  const row = prepared(
    db,
    "SELECT t.id, t.last_used_at, u.id AS user_id, u.username, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND (t.expires_at IS NULL OR t.expires_at > ?)",
  ).get(hashSecret(token), now) as { id: number; last_used_at: number | null; user_id: number; username: string; role: User["role"] } | undefined;
  if (!row) return null;
  if (row.last_used_at === null || now - row.last_used_at >= TOUCH_EVERY_MS) db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?").run(now, row.id);
  return { id: row.user_id, username: row.username, role: row.role };
}
