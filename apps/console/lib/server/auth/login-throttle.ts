import "server-only";
// Login throttling, kept in SQLite so it survives restarts and is shared by every bundle.
//
// Three counters, each with a few free failures and then a doubling delay:
//  - the pair (username, address): guessing one account from one place;
//  - the address: spraying many usernames from one place;
//  - the username, from everywhere: guessing one account from many places. Each address adds at
//    most its first PAIR.free failures to it, and its delay is capped low, so a flood from one
//    address can never lock the real user out from another address; at worst a distributed
//    attack slows everyone's login for that name by USER.capMs.
// While any counter blocks, the password is not even checked (no oracle) and the attempt is not
// counted. An attempt that goes ahead is counted as a failure before its (slow, async) password
// check, in the same transaction as the wait check, so concurrent guesses cannot all pass the
// check before any is recorded; a success then takes its count back. Counters forget after
// FORGET_MS without failures; a success clears the pair and user.
import { getDb } from "../db/database";

export interface ThrottlePolicy {
  /** Failures allowed before any delay. */
  free: number;
  /** The first delay; each further failure doubles it. */
  baseMs: number;
  capMs: number;
}

export const PAIR: ThrottlePolicy = { free: 5, baseMs: 1000, capMs: 15 * 60_000 };
export const ADDRESS: ThrottlePolicy = { free: 20, baseMs: 1000, capMs: 15 * 60_000 };
export const USER: ThrottlePolicy = { free: 50, baseMs: 1000, capMs: 30_000 };
const FORGET_MS = 24 * 3_600_000;

/** Pure: how long after the last failure the next attempt must wait. */
export function delayAfter(failures: number, policy: ThrottlePolicy): number {
  if (failures < policy.free) return 0;
  return Math.min(policy.baseMs * 2 ** Math.min(failures - policy.free, 40), policy.capMs);
}

const pairKey = (username: string, address: string) => `pair:${username.toLowerCase()}@${address}`;
const addressKey = (address: string) => `addr:${address}`;
const userKey = (username: string) => `user:${username.toLowerCase()}`;

interface Row {
  failures: number;
  last_failure_at: number;
}

function read(key: string, now: number): Row {
  const row = getDb().prepare("SELECT failures, last_failure_at FROM login_throttle WHERE key = ?").get(key) as Row | undefined;
  return row && now - row.last_failure_at < FORGET_MS ? row : { failures: 0, last_failure_at: 0 };
}

function waitMs(username: string, address: string, now: number): number {
  let wait = 0;
  for (const [key, policy] of [
    [pairKey(username, address), PAIR],
    [addressKey(address), ADDRESS],
    [userKey(username), USER],
  ] as const) {
    const row = read(key, now);
    wait = Math.max(wait, row.last_failure_at + delayAfter(row.failures, policy) - now);
  }
  return Math.max(0, wait);
}

/** Milliseconds until this login may be attempted; 0 when it may go ahead now. Counts nothing. */
export function loginWaitMs(username: string, address: string, now = Date.now()): number {
  return waitMs(username, address, now);
}

/**
 * One transaction: the wait check and, when the attempt may go ahead, its count as a failure.
 * Returns the wait (nothing counted) or 0 (counted; call recordLoginSuccess if the password is right).
 */
export function beginLoginAttempt(username: string, address: string, now = Date.now()): number {
  return getDb().transaction(() => {
    const wait = waitMs(username, address, now);
    if (wait === 0) recordLoginFailure(username, address, now);
    return wait;
  }).immediate();
}

/** Counts one failure (nested inside beginLoginAttempt's transaction when called from there). */
export function recordLoginFailure(username: string, address: string, now = Date.now()): void {
  const db = getDb();
  db.transaction(() => {
    const bump = (key: string): number => {
      const failures = read(key, now).failures + 1;
      db.prepare("INSERT INTO login_throttle (key, failures, last_failure_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at").run(key, failures, now);
      return failures;
    };
    const pairFailures = bump(pairKey(username, address));
    bump(addressKey(address));
    if (pairFailures <= PAIR.free) bump(userKey(username));
  })();
}

/** After beginLoginAttempt and a right password: clears the pair and user, and takes back the address's count. */
export function recordLoginSuccess(username: string, address: string): void {
  const db = getDb();
  db.transaction(() => {
    db.prepare("DELETE FROM login_throttle WHERE key IN (?, ?)").run(pairKey(username, address), userKey(username));
    db.prepare("UPDATE login_throttle SET failures = max(failures - 1, 0) WHERE key = ?").run(addressKey(address));
  }).immediate();
}
