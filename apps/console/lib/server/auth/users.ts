import "server-only";
// Console accounts. Usernames are case-insensitive; the role decides what a user may change.
import type { Role, User, UserSummary } from "../../shared/types";
import { getDb } from "../db/database";
import { HttpError } from "../http-errors";
import { hashPassword, passwordProblem, timingDummyHash, verifyPassword } from "./passwords";

export const USERNAME_RULE = "1–64 characters: letters, digits, '.', '_' or '-'";
const USERNAME = /^[A-Za-z0-9._-]{1,64}$/;

function usernameProblem(username: string): string | null {
  return USERNAME.test(username) ? null : `usernames are ${USERNAME_RULE}`;
}

interface UserRow {
  id: number;
  username: string;
  role: Role;
  password_hash: string;
  created_at: number;
}

const toUser = (r: Pick<UserRow, "id" | "username" | "role">): User => ({ id: r.id, username: r.username, role: r.role });

export function listUsers(): UserSummary[] {
  const rows = getDb().prepare("SELECT id, username, role, created_at FROM users ORDER BY username").all() as UserRow[];
  return rows.map((r) => ({ ...toUser(r), createdAt: new Date(r.created_at).toISOString() }));
}

function getUser(id: number): User | null {
  const row = getDb().prepare("SELECT id, username, role FROM users WHERE id = ?").get(id) as UserRow | undefined;
  return row ? toUser(row) : null;
}

export function countUsers(): number {
  return (getDb().prepare("SELECT count(*) AS n FROM users").get() as { n: number }).n;
}

export async function createUser(input: { username: string; password: string; role: Role }): Promise<User> {
  const problem = usernameProblem(input.username) ?? passwordProblem(input.password);
  if (problem) throw new HttpError(400, problem);
  const hash = await hashPassword(input.password);
  try {
    const info = getDb()
      .prepare("INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)")
      .run(input.username, hash, input.role, Date.now());
    return { id: Number(info.lastInsertRowid), username: input.username, role: input.role };
  } catch (err) {
    if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw new HttpError(409, `a user named ${JSON.stringify(input.username)} already exists`);
    throw err;
  }
}

/** Creates the first user only when there is none; false when someone got there first. */
export async function createFirstAdmin(password: string): Promise<boolean> {
  const hash = await hashPassword(password);
  const info = getDb()
    .prepare("INSERT INTO users (username, password_hash, role, created_at) SELECT 'admin', ?, 'admin', ? WHERE NOT EXISTS (SELECT 1 FROM users)")
    .run(hash, Date.now());
  return info.changes === 1;
}

/** Deletes a user with their sessions and tokens; refuses to remove yourself or the last admin. */
export function deleteUser(id: number, actingUserId: number): User {
  const db = getDb();
  return db
    .transaction(() => {
      const user = getUser(id);
      if (!user) throw new HttpError(404, `no user with id ${id}`);
      if (user.id === actingUserId) throw new HttpError(409, "you cannot delete your own account; ask another admin");
      if (user.role === "admin") {
        const admins = (db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin'").get() as { n: number }).n;
        if (admins <= 1) throw new HttpError(409, "cannot delete the last admin");
      }
      db.prepare("DELETE FROM users WHERE id = ?").run(id);
      return user;
    })
    .immediate();
}

/** The user when the password matches; unknown names cost the same scrypt time as known ones. */
export async function checkPassword(username: string, password: string): Promise<User | null> {
  const row = getDb().prepare("SELECT id, username, role, password_hash FROM users WHERE username = ?").get(username) as UserRow | undefined;
  const ok = await verifyPassword(password, row?.password_hash ?? (await timingDummyHash()));
  return row && ok ? toUser(row) : null;
}

/**
 * Sets a new password for `admin` (re-creating the account as an admin if it was deleted), ends
 * its sessions and revokes its API tokens: whoever had taken the account keeps no way in. For the
 * operator at the machine: `npm run reset-admin-password`.
 */
export async function resetAdminPassword(password: string): Promise<void> {
  const problem = passwordProblem(password);
  if (problem) throw new HttpError(400, problem);
  const hash = await hashPassword(password);
  const db = getDb();
  db.transaction(() => {
    const row = db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: number } | undefined;
    if (row) {
      db.prepare("UPDATE users SET password_hash = ?, role = 'admin' WHERE id = ?").run(hash, row.id);
      db.prepare("DELETE FROM sessions WHERE user_id = ?").run(row.id);
      db.prepare("DELETE FROM api_tokens WHERE user_id = ?").run(row.id);
    } else {
      db.prepare("INSERT INTO users (username, password_hash, role, created_at) VALUES ('admin', ?, 'admin', ?)").run(hash, Date.now());
    }
  }).immediate();
}

