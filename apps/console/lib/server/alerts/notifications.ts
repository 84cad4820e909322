import "server-only";
// The outbox: one alert_notifications row per (alert change, channel), written in the same
// transaction as the change, so a console that stops at any moment sends each one after it
// starts again (none lost; a notification is sent again only if the console stopped between the
// receiver's answer and its record). Every attempt is a row of alert_delivery_attempts.
import type { AlertNotification, DeliveryAttempt } from "../../shared/alert-types";
import { getDb } from "../db/database";

export interface DueNotification {
  id: number;
  alert_id: number;
  channel_id: number;
  status: "firing" | "resolved";
  attempts: number;
}

/** Queues `status` of an alert for each channel (every channel when `channelIds` is empty). */
export function queueNotifications(alertId: number, status: "firing" | "resolved", channelIds: readonly number[], now: number): number {
  const db = getDb();
  const ids = channelIds.length ? channelIds : (db.prepare("SELECT id FROM alert_channels").all() as Array<{ id: number }>).map((r) => r.id);
  const put = db.prepare("INSERT INTO alert_notifications (alert_id, channel_id, status, created_at, next_attempt_at) SELECT ?, id, ?, ?, ? FROM alert_channels WHERE id = ?");
  let n = 0;
  for (const id of ids) n += put.run(alertId, status, now, now, id).changes;
  return n;
}

/** Due ones, each only once every earlier one of its alert to its channel is settled: a resolve never overtakes its firing. */
export function dueNotifications(now: number, limit: number): DueNotification[] {
  return getDb()
    .prepare(
      `SELECT id, alert_id, channel_id, status, attempts FROM alert_notifications n
       WHERE delivered_at IS NULL AND given_up_at IS NULL AND next_attempt_at <= ?
         AND NOT EXISTS (SELECT 1 FROM alert_notifications e WHERE e.alert_id = n.alert_id AND e.channel_id = n.channel_id AND e.id < n.id AND e.delivered_at IS NULL AND e.given_up_at IS NULL)
       ORDER BY next_attempt_at, id LIMIT ?`,
    )
    .all(now, limit) as DueNotification[];
}

/** When the next queued notification is due, or null. */
export function nextDueAt(): number | null {
  const r = getDb().prepare("SELECT min(next_attempt_at) AS at FROM alert_notifications WHERE delivered_at IS NULL AND given_up_at IS NULL").get() as { at: number | null };
  return r.at;
}

export interface AttemptOutcome {
  at: number;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** Records an attempt; a failed one is tried again at `retryAt`, or given up on when that is null. */
export function recordAttempt(id: number, o: AttemptOutcome, retryAt: number | null): void {
  const db = getDb();
  db.transaction(() => {
    db.prepare("INSERT INTO alert_delivery_attempts (notification_id, at, ok, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)").run(id, o.at, o.ok ? 1 : 0, o.statusCode, o.error?.slice(0, 500) ?? null, o.durationMs);
    if (o.ok) db.prepare("UPDATE alert_notifications SET attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id = ?").run(o.at, id);
    else if (retryAt === null) db.prepare("UPDATE alert_notifications SET attempts = attempts + 1, given_up_at = ?, last_error = ? WHERE id = ?").run(o.at, o.error?.slice(0, 500) ?? null, id);
    else db.prepare("UPDATE alert_notifications SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?").run(retryAt, o.error?.slice(0, 500) ?? null, id);
  })();
}

interface NotificationRow {
  id: number;
  alert_id: number;
  channel_id: number;
  channel_name: string;
  status: AlertNotification["status"];
  created_at: number;
  attempts: number;
  delivered_at: number | null;
  given_up_at: number | null;
  last_error: string | null;
}

/** An alert's notifications, newest first. */
export function notificationsOf(alertId: number, limit = 100): AlertNotification[] {
  const rows = getDb()
    .prepare("SELECT n.*, c.name AS channel_name FROM alert_notifications n JOIN alert_channels c ON c.id = n.channel_id WHERE n.alert_id = ? ORDER BY n.id DESC LIMIT ?")
    .all(alertId, limit) as NotificationRow[];
  return rows.map((r) => ({ id: r.id, alertId: r.alert_id, channelId: r.channel_id, channelName: r.channel_name, status: r.status, createdAt: r.created_at, attempts: r.attempts, deliveredAt: r.delivered_at, givenUpAt: r.given_up_at, lastError: r.last_error }));
}

export function attemptsOf(notificationId: number): DeliveryAttempt[] {
  const rows = getDb().prepare("SELECT at, ok, status_code, error, duration_ms FROM alert_delivery_attempts WHERE notification_id = ? ORDER BY id").all(notificationId) as Array<{ at: number; ok: number; status_code: number | null; error: string | null; duration_ms: number }>;
  return rows.map((r) => ({ at: r.at, ok: r.ok === 1, statusCode: r.status_code, error: r.error, durationMs: r.duration_ms }));
}
