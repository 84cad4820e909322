import "server-only";
// The fleet's changes as rows of fleet_events: a machine going down or up, a service changing
// state or version. Written only on a change, never per sample; pruned by age and count so the
// table stays bounded whatever a flapping machine does. The last rows per machine and service are
// what the monitor starts from after a console restart ("down since" survives it).
import type { FleetEvent } from "../../shared/fleet-types";
import { getDb } from "../db/database";
import { whereClause } from "../db/where-clause";

export type FleetEventKind = "machine.up" | "machine.down" | "service.state" | "service.version";

interface Row {
  id: number;
  at: number;
  agent_id: string;
  kind: FleetEventKind;
  service: string | null;
  state: string;
  detail: string;
}

const toEvent = (r: Row): FleetEvent => ({ id: r.id, at: r.at, agentId: r.agent_id, kind: r.kind, service: r.service, state: r.state, detail: r.detail });

export interface NewFleetEvent {
  at: number;
  agentId: string;
  kind: FleetEventKind;
  service?: string;
  state: string;
  detail?: string;
}

export function recordFleetEvent(e: NewFleetEvent): void {
  try {
    getDb()
      .prepare("INSERT INTO fleet_events (at, agent_id, kind, service, state, detail) VALUES (?, ?, ?, ?, ?, ?)")
      .run(e.at, e.agentId, e.kind, e.service ?? null, e.state, (e.detail ?? "").slice(0, 500));
  } catch (err) {
    // The machine was removed a moment ago: its events went with it.
    if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_FOREIGNKEY") return;
    throw err;
  }
}

export interface EventQuery {
  agentId?: string;
  /** Only events with a smaller id (paging back). */
  before?: number;
  limit: number;
}

/** Newest first. */
export function listFleetEvents(q: EventQuery): FleetEvent[] {
  const where = whereClause([
    ["agent_id = ?", q.agentId],
    ["id < ?", q.before],
  ]);
  const sql = `SELECT * FROM fleet_events ${where.sql} ORDER BY id DESC LIMIT ?`;
  return (getDb().prepare(sql).all(...where.args, q.limit) as Row[]).map(toEvent);
}

/** Each machine's last up/down event: where the monitor starts from. */
export function lastReachability(): Map<string, FleetEvent> {
  const rows = getDb()
    .prepare(
      `SELECT e.* FROM fleet_events e
       JOIN (SELECT agent_id, max(id) AS id FROM fleet_events WHERE kind IN ('machine.up', 'machine.down') GROUP BY agent_id) last ON last.id = e.id`,
    )
    .all() as Row[];
  return new Map(rows.map((r) => [r.agent_id, toEvent(r)]));
}

/** Each service's last recorded state and version, per machine: so a restart records no change that was recorded already. */
export function lastServiceFacts(): Map<string, Map<string, { state?: string; version?: string }>> {
  const rows = getDb()
    .prepare(
      `SELECT e.agent_id, e.service, e.kind, e.state FROM fleet_events e
       JOIN (SELECT max(id) AS id FROM fleet_events WHERE kind IN ('service.state', 'service.version') GROUP BY agent_id, service, kind) last ON last.id = e.id`,
    )
    .all() as Array<Pick<Row, "agent_id" | "service" | "kind" | "state">>;
  const out = new Map<string, Map<string, { state?: string; version?: string }>>();
  for (const r of rows) {
    let byService = out.get(r.agent_id);
    if (!byService) out.set(r.agent_id, (byService = new Map()));
    const facts = byService.get(r.service ?? "") ?? {};
    if (r.kind === "service.state") facts.state = r.state;
    else facts.version = r.state;
    byService.set(r.service ?? "", facts);
  }
  return out;
}

/** Drops events older than `retentionDays` and all but the newest `maxRows`. Returns how many went. */
export function pruneFleetEvents(now: number, retentionDays: number, maxRows: number): number {
  const db = getDb();
  const byAge = db.prepare("DELETE FROM fleet_events WHERE at < ?").run(now - retentionDays * 86_400_000).changes;
  const byCount = db.prepare("DELETE FROM fleet_events WHERE id <= (SELECT id FROM fleet_events ORDER BY id DESC LIMIT 1 OFFSET ?)").run(maxRows).changes;
  return byAge + byCount;
}
