import "server-only";
// The console's alert engine: evaluates every enabled rule against the fleet monitor's state
// whenever a machine's status changes and every SYSWARD_ALERT_EVAL_MS besides (perf thresholds,
// "for N seconds", repeats, silences ending), with or without anyone watching a page.
//
// Open alerts (pending, firing) are held in memory and written through to the DB; each change and
// the notifications it queues are one transaction, so after a restart the engine picks up exactly
// where it stopped: an alert already sent is not sent again, a resolve that happened while it was
// down is sent when the state says so. A machine whose state is not known (connecting after a
// restart; down, for its services' rules) keeps its alerts as they are.
import type { Alert, AlertRule, AlertState, Silence } from "../../shared/alert-types";
import type { MachineState } from "../../shared/fleet-types";
import { getDb } from "../db/database";
import { ensureBuiltInRules, listRules } from "./alert-rules";
import { alertFingerprint, dropPending, insertAlert, listAlertRows, markFiring, markNotified, markResolved, openAlertRows, pruneAlertHistory, type AlertRow } from "./alert-store";
import { agentCertificateExpiry } from "./certificate-expiry";
import { NotificationDispatcher, type DispatcherOptions } from "./notification-dispatcher";
import { queueNotifications } from "./notifications";
import { RestartWindow } from "./restart-window";
import { evaluateRule } from "./rule-conditions";
import { activeSilences, pruneSilences, silenceCovers } from "./silences";

const CERTIFICATES_EVERY_MS = 60_000;
const PRUNE_EVERY_MS = 3_600_000;

/** What the engine reads of the fleet monitor (FleetMonitor is one). */
export interface FleetSource {
  list(): MachineState[];
  get(id: string): MachineState | undefined;
  readonly rev: number;
  waitForStatusChange(rev: number, signal: AbortSignal): Promise<void>;
}

export interface AlertEngineOptions extends Omit<DispatcherOptions, "machine"> {
  fleet: FleetSource;
  evalMs: number;
  historyDays: number;
}

/** A condition raised from outside the engine (a rollout that stopped). */
export interface ExternalCondition {
  ruleId: string;
  agentId?: string;
  service?: string;
  summary?: string;
}

export class AlertEngine {
  readonly #o: AlertEngineOptions;
  readonly #open = new Map<string, AlertRow>();
  readonly #restarts = new RestartWindow();
  readonly #dispatcher: NotificationDispatcher;
  readonly #stop = new AbortController();
  #certificates = new Map<string, number>();
  #certificatesAt = 0;
  #prunedAt = 0;
  /** Set when a pass queued notifications: the dispatcher is woken once it commits. */
  #queued = false;
  #kick: (() => void) | undefined;
  #running: Promise<void> | undefined;
  /** Milliseconds the last evaluation took (benchmarks, /metrics). */
  lastEvaluationMs = 0;

  constructor(o: AlertEngineOptions) {
    this.#o = o;
    this.#dispatcher = new NotificationDispatcher({ ...o, machine: (id) => o.fleet.get(id) });
  }

  start(): void {
    if (this.#running) return;
    ensureBuiltInRules();
    for (const row of openAlertRows()) this.#open.set(row.fingerprint, row);
    this.#dispatcher.start();
    this.#running = this.#loop();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#kick?.();
    await this.#running;
    await this.#dispatcher.stop();
  }

  async #loop(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      const rev = this.#o.fleet.rev;
      try {
        this.evaluate();
      } catch (err) {
        this.#o.log.error({ err }, "alert rules could not be evaluated");
      }
      const wait = new AbortController();
      const timer = setTimeout(() => wait.abort(), this.#o.evalMs);
      timer.unref();
      const onStop = () => wait.abort();
      this.#stop.signal.addEventListener("abort", onStop);
      this.#kick = () => wait.abort();
      await this.#o.fleet.waitForStatusChange(rev, wait.signal);
      clearTimeout(timer);
      this.#stop.signal.removeEventListener("abort", onStop);
    }
  }

  /** One pass over every rule and open alert; the loop calls it, tests and benchmarks may too. */
  evaluate(now = Date.now()): void {
    const started = performance.now();
    const machines = this.#o.fleet.list();
    const byId = new Map(machines.map((m) => [m.id, m]));
    for (const m of machines) {
      if (m.reach !== "up") continue;
      for (const s of m.services) this.#restarts.observe(m.id, s.name, s.restarts, now);
    }
    if (now - this.#certificatesAt >= CERTIFICATES_EVERY_MS) {
      this.#certificates = agentCertificateExpiry();
      this.#certificatesAt = now;
    }
    const rules = new Map(listRules().map((r) => [r.id, r]));
    const silences = activeSilences(now);
    const db = getDb();
    db.transaction(() => {
      for (const rule of rules.values()) {
        if (!rule.enabled || rule.kind === "rollout-stopped") continue;
        this.#evaluateOne(rule, machines, now);
      }
      for (const row of [...this.#open.values()]) {
        const rule = rules.get(row.rule_id);
        if (!rule) this.#open.delete(row.fingerprint); // deleted with its alerts
        else if (!rule.enabled && !row.external) this.#resolve(row, now);
        else if (row.agent_id && !byId.has(row.agent_id)) this.#resolve(row, now); // machine removed
      }
      for (const row of this.#open.values()) {
        const rule = rules.get(row.rule_id);
        if (row.state !== "firing" || !rule?.enabled) continue;
        if (this.#silenced(row, silences, byId)) continue;
        const repeatDue = rule.repeatMinutes > 0 && row.notified_at !== null && now - row.notified_at >= rule.repeatMinutes * 60_000;
        if (row.notified_at !== null && !repeatDue) continue;
        queueNotifications(row.id, "firing", rule.channels, now);
        markNotified(row.id, now);
        row.notified_at = now;
        this.#queued = true;
      }
    }).immediate();
    if (this.#queued) {
      this.#queued = false;
      this.#dispatcher.wake();
    }
    if (now - this.#prunedAt >= PRUNE_EVERY_MS) this.#prune(machines, rules, now);
    this.lastEvaluationMs = performance.now() - started;
  }

  #evaluateOne(rule: AlertRule, machines: readonly MachineState[], now: number): void {
    const { active, held } = evaluateRule(rule, machines, { now, restarts: this.#restarts, certificateExpiry: this.#certificates });
    const live = new Set<string>();
    const forMs = rule.forSeconds * 1000;
    for (const c of active) {
      const fingerprint = alertFingerprint(rule.id, c.agentId, c.service);
      live.add(fingerprint);
      const row = this.#open.get(fingerprint);
      if (!row) {
        const since = Math.min(c.since ?? now, now);
        const firing = now - since >= forMs;
        const state: AlertState = firing ? "firing" : "pending";
        const inserted = insertAlert({ fingerprint, rule_id: rule.id, agent_id: c.agentId, service: c.service, state, severity: rule.severity, summary: c.summary, value: c.value, started_at: since, fired_at: firing ? now : null });
        this.#open.set(fingerprint, inserted);
      } else if (row.state === "pending" && now - row.started_at >= forMs) {
        markFiring(row.id, now, c.summary, c.value);
        Object.assign(row, { state: "firing", fired_at: now, summary: c.summary, value: c.value });
      }
    }
    for (const row of [...this.#open.values()]) {
      if (row.rule_id !== rule.id || row.external || live.has(row.fingerprint) || held.has(row.agent_id)) continue;
      this.#resolve(row, now);
    }
  }

  #resolve(row: AlertRow, now: number): void {
    this.#open.delete(row.fingerprint);
    if (row.state === "pending") return dropPending(row.id);
    markResolved(row.id, now);
    // Whoever was told it fired is told it ended (a silence since then does not hide the end).
    if (row.notified_at !== null) {
      const rule = listRules().find((r) => r.id === row.rule_id);
      queueNotifications(row.id, "resolved", rule?.channels ?? [], now);
      this.#queued = true;
    }
  }

  #silenced(row: AlertRow, silences: readonly Silence[], byId: ReadonlyMap<string, MachineState>): boolean {
    if (silences.length === 0) return false;
    const labels = byId.get(row.agent_id)?.labels ?? {};
    return silences.some((s) => silenceCovers(s, { ruleId: row.rule_id, service: row.service, labels }));
  }

  #prune(machines: readonly MachineState[], rules: ReadonlyMap<string, AlertRule>, now: number): void {
    this.#prunedAt = now;
    const services = new Set(machines.flatMap((m) => m.services.map((s) => `${m.id}\n${s.name}`)));
    const longest = Math.max(10, ...[...rules.values()].map((r) => r.windowMinutes ?? 0)) * 60_000;
    this.#restarts.prune((a, s) => services.has(`${a}\n${s}`), longest, now);
    try {
      pruneAlertHistory(now, this.#o.historyDays);
      pruneSilences(now, this.#o.historyDays);
    } catch (err) {
      this.#o.log.warn({ err }, "could not prune alert history");
    }
  }

  /** Raises (or keeps) an alert of `ruleId` from outside: firing at once, notified on the next pass. */
  raise(c: ExternalCondition, now = Date.now()): Alert {
    const agentId = c.agentId ?? "";
    const service = c.service ?? "";
    const fingerprint = alertFingerprint(c.ruleId, agentId, service);
    const rule = listRules().find((r) => r.id === c.ruleId);
    if (!rule) throw new Error(`no alert rule ${c.ruleId}`);
    let row = this.#open.get(fingerprint);
    if (!row) {
      const summary = c.summary ?? `${c.ruleId}${service ? ` ${service}` : ""}${agentId ? ` on ${agentId}` : ""}`;
      row = insertAlert({ fingerprint, rule_id: c.ruleId, agent_id: agentId, service, state: "firing", severity: rule.severity, summary, value: null, started_at: now, fired_at: now, external: true });
      this.#open.set(fingerprint, row);
      this.#kick?.();
    }
    return this.#toAlert(row, activeSilences(now));
  }

  /** Resolves an alert raised with raise(); false when none was open. */
  resolve(c: ExternalCondition, now = Date.now()): boolean {
    const row = this.#open.get(alertFingerprint(c.ruleId, c.agentId ?? "", c.service ?? ""));
    if (!row) return false;
    getDb().transaction(() => this.#resolve(row, now)).immediate();
    if (this.#queued) {
      this.#queued = false;
      this.#dispatcher.wake();
    }
    return true;
  }

  /** Open alerts (memory) or the history (DB), newest first, with their machine's name and whether a silence covers them. */
  alerts(q: { state?: AlertState | "silenced"; agentId?: string; before?: number; limit: number }, now = Date.now()): Alert[] {
    const silences = activeSilences(now);
    if (q.state === "resolved" || q.before) {
      return listAlertRows({ state: q.state === "silenced" ? undefined : q.state, agentId: q.agentId, before: q.before, limit: q.limit }).map((r) => this.#toAlert(r, silences));
    }
    const open = [...this.#open.values()]
      .filter((r) => (!q.agentId || r.agent_id === q.agentId) && (!q.state || q.state === "silenced" || r.state === q.state))
      .map((r) => this.#toAlert(r, silences))
      .filter((a) => q.state !== "silenced" || a.silenced)
      .sort((a, b) => b.id - a.id);
    if (q.state) return open.slice(0, q.limit);
    // No state asked for: the open ones, then the latest history.
    const rest = q.limit - open.length;
    return rest > 0 ? [...open, ...listAlertRows({ state: "resolved", agentId: q.agentId, limit: rest }).map((r) => this.#toAlert(r, silences))] : open.slice(0, q.limit);
  }

  /** Firing alerts per rule, every rule listed (0 included). */
  firingByRule(): Map<string, number> {
    const out = new Map(listRules().map((r) => [r.id, 0]));
    for (const r of this.#open.values()) if (r.state === "firing") out.set(r.rule_id, (out.get(r.rule_id) ?? 0) + 1);
    return out;
  }

  #toAlert(r: AlertRow, silences: readonly Silence[]): Alert {
    const m = this.#o.fleet.get(r.agent_id);
    const byId = new Map(m ? [[m.id, m]] : []);
    return {
      id: r.id,
      fingerprint: r.fingerprint,
      ruleId: r.rule_id,
      agentId: r.agent_id,
      machineName: m?.name ?? r.agent_id,
      service: r.service,
      state: r.state,
      severity: r.severity,
      summary: r.summary,
      value: r.value,
      startedAt: r.started_at,
      firedAt: r.fired_at,
      resolvedAt: r.resolved_at,
      silenced: r.state !== "resolved" && this.#silenced(r, silences, byId),
    };
  }
}
