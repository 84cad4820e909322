import "server-only";
// Rollouts and their hosts' steps in the console DB (tables rollouts, rollout_hosts). Every
// change of state is written here before the engine acts on it, so the DB is always a true
// account of what was done and what may be in flight.
import type { RolloutDetail, RolloutHost, RolloutHostState, RolloutState, RolloutStrategy, RolloutSummary } from "../../shared/rollout-types";
import { getDb } from "../db/database";
import { RolloutConflictError } from "./rollout-errors";

const ACTIVE: readonly RolloutState[] = ["running", "awaiting-approval", "reverting"];

interface RolloutRow {
  id: number;
  service: string;
  selector: string;
  sha256: string;
  size_bytes: number;
  strategy: string;
  state: RolloutState;
  reason: string;
  cancel_requested: number;
  approved_at: number | null;
  created_by: string;
  created_at: number;
  finished_at: number | null;
  host_count: number;
  healthy_count: number;
}

interface HostRow {
  agent_id: string;
  agent_name: string;
  wave: number;
  state: RolloutHostState;
  previous_version: string;
  new_version: string;
  error: string;
  log_lines: string;
  started_at: number | null;
  finished_at: number | null;
}

export interface NewRollout {
  service: string;
  selector: string;
  sha256: string;
  sizeBytes: number;
  strategy: RolloutStrategy;
  createdBy: string;
  /** In order; waves from planWaves. */
  hosts: Array<{ agentId: string; agentName: string; wave: number }>;
}

const SUMMARY_SELECT = `SELECT r.*, (SELECT COUNT(*) FROM rollout_hosts h WHERE h.rollout_id = r.id) AS host_count,
  (SELECT COUNT(*) FROM rollout_hosts h WHERE h.rollout_id = r.id AND h.state = 'healthy') AS healthy_count FROM rollouts r`;

function summary(r: RolloutRow): RolloutSummary {
  return {
    id: r.id,
    service: r.service,
    selector: r.selector,
    sha256: r.sha256,
    sizeBytes: r.size_bytes,
    strategy: JSON.parse(r.strategy) as RolloutStrategy,
    state: r.state,
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    hostCount: r.host_count,
    healthyCount: r.healthy_count,
  };
}

function host(h: HostRow): RolloutHost {
  return {
    agentId: h.agent_id,
    agentName: h.agent_name,
    wave: h.wave,
    state: h.state,
    previousVersion: h.previous_version,
    newVersion: h.new_version,
    error: h.error,
    logLines: JSON.parse(h.log_lines) as string[],
    startedAt: h.started_at,
    finishedAt: h.finished_at,
  };
}

/** The running rollout of this service and (canonical) selector, if any. */
export function activeFor(service: string, selector: string): number | undefined {
  const row = getDb()
    .prepare(`SELECT id FROM rollouts WHERE service = ? AND selector = ? AND state IN (${ACTIVE.map(() => "?").join(",")})`)
    .get(service, selector, ...ACTIVE) as { id: number } | undefined;
  return row?.id;
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE";
}

/** Records a new running rollout and its pending hosts; refuses while another of the same service and selector runs. */
export function insertRollout(r: NewRollout, now = Date.now()): number {
  const db = getDb();
  try {
    return db.transaction(() => {
      const { lastInsertRowid } = db
        .prepare("INSERT INTO rollouts (service, selector, sha256, size_bytes, strategy, state, created_by, created_at) VALUES (?, ?, ?, ?, ?, 'running', ?, ?)")
        .run(r.service, r.selector, r.sha256, r.sizeBytes, JSON.stringify(r.strategy), r.createdBy, now);
      const id = Number(lastInsertRowid);
      const put = db.prepare("INSERT INTO rollout_hosts (rollout_id, agent_id, agent_name, position, wave, state) VALUES (?, ?, ?, ?, ?, 'pending')");
      r.hosts.forEach((h, i) => put.run(id, h.agentId, h.agentName, i, h.wave));
      return id;
    }).immediate();
  } catch (err) {
    if (isUniqueViolation(err)) throw new RolloutConflictError(activeFor(r.service, r.selector) ?? 0, r.service, r.selector);
    throw err;
  }
}

export function getRollout(id: number): RolloutDetail | undefined {
  const r = getDb().prepare(`${SUMMARY_SELECT} WHERE r.id = ?`).get(id) as RolloutRow | undefined;
  if (!r) return undefined;
  const hosts = getDb().prepare("SELECT * FROM rollout_hosts WHERE rollout_id = ? ORDER BY position").all(id) as HostRow[];
  return { ...summary(r), hosts: hosts.map(host) };
}

/** Newest first. */
export function listRollouts(limit = 100): RolloutSummary[] {
  const n = Math.max(1, Math.min(Math.floor(limit) || 100, 1000));
  return (getDb().prepare(`${SUMMARY_SELECT} ORDER BY r.id DESC LIMIT ?`).all(n) as RolloutRow[]).map(summary);
}

/** Rollouts a console must carry on with (after a restart, say). */
export function activeRolloutIds(): number[] {
  return (getDb().prepare(`SELECT id FROM rollouts WHERE state IN (${ACTIVE.map(() => "?").join(",")}) ORDER BY id`).all(...ACTIVE) as Array<{ id: number }>).map((r) => r.id);
}

export function setRolloutState(id: number, state: RolloutState, reason?: string, now = Date.now()): void {
  const finished = ACTIVE.includes(state) ? null : now;
  try {
    getDb()
      .prepare("UPDATE rollouts SET state = ?, reason = COALESCE(?, reason), finished_at = ?, cancel_requested = CASE WHEN ? THEN 0 ELSE cancel_requested END WHERE id = ?")
      .run(state, reason ?? null, finished, state === "reverting" ? 1 : 0, id);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const r = getRollout(id)!;
    throw new RolloutConflictError(activeFor(r.service, r.selector) ?? 0, r.service, r.selector);
  }
}

export function requestCancel(id: number): void {
  getDb().prepare("UPDATE rollouts SET cancel_requested = 1 WHERE id = ?").run(id);
}

export function approve(id: number, now = Date.now()): void {
  getDb().prepare("UPDATE rollouts SET approved_at = ?, state = 'running' WHERE id = ? AND state = 'awaiting-approval'").run(now, id);
}

export function approved(id: number): boolean {
  const row = getDb().prepare("SELECT approved_at FROM rollouts WHERE id = ?").get(id) as { approved_at: number | null } | undefined;
  return row?.approved_at != null;
}

export function cancelRequested(id: number): boolean {
  const row = getDb().prepare("SELECT cancel_requested FROM rollouts WHERE id = ?").get(id) as { cancel_requested: number } | undefined;
  return row?.cancel_requested === 1;
}

export type HostPatch = Partial<Pick<RolloutHost, "state" | "previousVersion" | "newVersion" | "error" | "logLines" | "startedAt" | "finishedAt">>;

const COLUMNS: Record<keyof HostPatch, string> = {
  state: "state",
  previousVersion: "previous_version",
  newVersion: "new_version",
  error: "error",
  logLines: "log_lines",
  startedAt: "started_at",
  finishedAt: "finished_at",
};

export function updateHost(id: number, agentId: string, patch: HostPatch): void {
  const keys = Object.keys(patch) as Array<keyof HostPatch>;
  if (keys.length === 0) return;
  const values = keys.map((k) => (k === "logLines" ? JSON.stringify(patch[k]) : patch[k]));
  getDb()
    .prepare(`UPDATE rollout_hosts SET ${keys.map((k) => `${COLUMNS[k]} = ?`).join(", ")} WHERE rollout_id = ? AND agent_id = ?`)
    .run(...values, id, agentId);
}
