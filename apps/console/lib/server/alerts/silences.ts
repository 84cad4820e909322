import "server-only";
// Silences in alert_silences: mute the alerts of machines matching a selector, of one service, of
// one rule (any combination; at least one), until a time, with who and why. While a silence
// covers a firing alert nothing is sent for it; when it ends, a still-firing alert is sent then.
import { matchesSelector, parseSelector } from "@sysward/contract";
import { z } from "zod";
import type { Silence } from "../../shared/alert-types";
import { getDb } from "../db/database";
import { AlertInputError, AlertNotFoundError } from "./alert-errors";

interface Row {
  id: number;
  selector: string;
  service: string;
  rule_id: string;
  ends_at: number;
  reason: string;
  created_by: string;
  created_at: number;
  ended_at: number | null;
}

const toSilence = (r: Row): Silence => ({ id: r.id, selector: r.selector, service: r.service, ruleId: r.rule_id, endsAt: r.ends_at, reason: r.reason, createdBy: r.created_by, createdAt: r.created_at, endedAt: r.ended_at });

export const NewSilenceSchema = z
  .object({
    selector: z.string().max(500).default(""),
    service: z.string().max(64).default(""),
    rule: z.string().max(63).default(""),
    /** ISO time, or… */
    endsAt: z.string().datetime({ offset: true }).optional(),
    /** …minutes from now. */
    minutes: z.number().positive().max(525_600).optional(),
    reason: z.string().trim().min(1, "say why (reason)").max(500),
  })
  .strict();

export function createSilence(input: z.infer<typeof NewSilenceSchema>, createdBy: string, now = Date.now()): Silence {
  if (!input.selector && !input.service && !input.rule) throw new AlertInputError("a silence needs a selector, a service or a rule: one that matches everything would mute every alert");
  if (input.selector) {
    try {
      parseSelector(input.selector);
    } catch (err) {
      throw new AlertInputError(`selector: ${(err as Error).message}`);
    }
  }
  if ((input.endsAt === undefined) === (input.minutes === undefined)) throw new AlertInputError("give either endsAt (an ISO time) or minutes");
  const endsAt = input.endsAt !== undefined ? Date.parse(input.endsAt) : now + input.minutes! * 60_000;
  if (endsAt <= now) throw new AlertInputError("endsAt is in the past");
  const r = getDb()
    .prepare("INSERT INTO alert_silences (selector, service, rule_id, ends_at, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
    .run(input.selector, input.service, input.rule, endsAt, input.reason, createdBy, now);
  return getSilence(Number(r.lastInsertRowid))!;
}

export function getSilence(id: number): Silence | null {
  const row = getDb().prepare("SELECT * FROM alert_silences WHERE id = ?").get(id) as Row | undefined;
  return row ? toSilence(row) : null;
}

/** Ends a silence now (it stays in the list as ended). */
export function endSilence(id: number, now = Date.now()): Silence {
  const s = getSilence(id);
  if (!s) throw new AlertNotFoundError(`no silence ${id}`);
  if (s.endedAt === null && s.endsAt > now) getDb().prepare("UPDATE alert_silences SET ended_at = ? WHERE id = ?").run(now, id);
  return getSilence(id)!;
}

export function activeSilences(now: number): Silence[] {
  return (getDb().prepare("SELECT * FROM alert_silences WHERE ends_at > ? AND ended_at IS NULL ORDER BY id").all(now) as Row[]).map(toSilence);
}

/** Active ones first, then the latest ended; at most `limit`. */
export function listSilences(now: number, limit = 200): Silence[] {
  return (getDb().prepare("SELECT * FROM alert_silences ORDER BY (ends_at > ? AND ended_at IS NULL) DESC, id DESC LIMIT ?").all(now, limit) as Row[]).map(toSilence);
}

export function silenceCovers(s: Silence, alert: { ruleId: string; service: string; labels: Record<string, string> }): boolean {
  if (s.ruleId && s.ruleId !== alert.ruleId) return false;
  if (s.service && s.service !== alert.service) return false;
  if (s.selector && !matchesSelector(alert.labels, parseSelector(s.selector))) return false;
  return true;
}

/** Keeps ended silences for the alert history's length. */
export function pruneSilences(now: number, days: number): number {
  return getDb().prepare("DELETE FROM alert_silences WHERE ends_at < ? OR ended_at < ?").run(now - days * 86_400_000, now - days * 86_400_000).changes;
}
