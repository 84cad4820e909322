import "server-only";
// Rules in alert_rules: the built-in ones, created on the engine's first start with their
// defaults (on, every channel), and threshold rules people add. A rule's settings are one JSON
// spec, checked against RuleSpecSchema whichever way it came in.
import { parseSelector, SelectorError } from "@sysward/contract";
import { z } from "zod";
import { BUILT_IN_RULES, THRESHOLD_METRICS, type AlertRule, type BuiltInRuleId, type RuleKind, type RuleSpec } from "../../shared/alert-types";
import { getConfig } from "../config";
import { getDb } from "../db/database";
import { AlertConflictError, AlertInputError, AlertNotFoundError } from "./alert-errors";

const RULE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const RULE_ID_RULE = "1–63 lowercase letters, digits or '-', starting with a letter or digit";

const selectorText = z.string().max(500).refine((s) => {
  try {
    parseSelector(s);
    return true;
  } catch (err) {
    if (err instanceof SelectorError) return false;
    throw err;
  }
}, "not a label selector (e.g. env=prod,role in (web,db))");

export const RuleSpecSchema = z.object({
  selector: selectorText.default(""),
  service: z.string().max(64).default(""),
  severity: z.enum(["critical", "warning"]).default("critical"),
  forSeconds: z.number().min(0).max(86_400).default(0),
  repeatMinutes: z.number().min(0).max(10_080).default(240),
  channels: z.array(z.number().int().positive()).max(100).default([]),
  metric: z.enum(THRESHOLD_METRICS).optional(),
  threshold: z.number().min(0).optional(),
  mount: z.string().min(1).max(256).optional(),
  restarts: z.number().int().min(1).max(10_000).optional(),
  windowMinutes: z.number().min(1).max(1440).optional(),
  days: z.number().min(1).max(365).optional(),
});

/** POST /api/alerts/rules: a threshold rule. */
export const NewRuleSchema = RuleSpecSchema.extend({
  id: z.string().regex(RULE_ID, RULE_ID_RULE),
  metric: z.enum(THRESHOLD_METRICS),
  threshold: z.number().min(0),
  enabled: z.boolean().default(true),
}).strict();

/** PATCH /api/alerts/rules/<id>: any of the settings, and on/off. */
export const RuleEditSchema = RuleSpecSchema.partial().extend({ enabled: z.boolean().optional() }).strict();

function builtInDefaults(id: BuiltInRuleId): RuleSpec {
  const base: RuleSpec = { selector: "", service: "", severity: "critical", forSeconds: 0, repeatMinutes: 240, channels: [] };
  switch (id) {
    case "machine-down":
      return { ...base, forSeconds: getConfig().alertMachineDownSeconds };
    case "service-failed":
      return base;
    case "service-restarts":
      return { ...base, severity: "warning", restarts: 3, windowMinutes: 10 };
    case "certificate-expiring":
      return { ...base, severity: "warning", days: 14, repeatMinutes: 1440 };
    case "unsandboxed":
      return { ...base, severity: "warning", repeatMinutes: 1440 };
    case "rollout-stopped":
      return base;
  }
}

interface Row {
  id: string;
  kind: RuleKind;
  built_in: number;
  enabled: number;
  spec: string;
}

const toRule = (r: Row): AlertRule => ({ ...(JSON.parse(r.spec) as RuleSpec), id: r.id, kind: r.kind, builtIn: r.built_in === 1, enabled: r.enabled === 1 });

/** Creates the built-in rules that are not there yet (first start, or a console that gained one). */
export function ensureBuiltInRules(now = Date.now()): void {
  const db = getDb();
  const put = db.prepare("INSERT OR IGNORE INTO alert_rules (id, kind, built_in, enabled, spec, created_at, updated_at) VALUES (?, ?, 1, 1, ?, ?, ?)");
  db.transaction(() => {
    for (const id of BUILT_IN_RULES) put.run(id, id, JSON.stringify(builtInDefaults(id)), now, now);
  })();
}

export function listRules(): AlertRule[] {
  return (getDb().prepare("SELECT * FROM alert_rules ORDER BY built_in DESC, id").all() as Row[]).map(toRule);
}

export function getRule(id: string): AlertRule | null {
  const row = getDb().prepare("SELECT * FROM alert_rules WHERE id = ?").get(id) as Row | undefined;
  return row ? toRule(row) : null;
}

const PERCENT_METRICS = new Set(["cpu", "memory", "disk"]);

function checkThreshold(spec: RuleSpec): void {
  if (spec.mount !== undefined && !spec.mount.startsWith("/")) throw new AlertInputError("mount: a mount point starts with /");
  if (spec.mount !== undefined && spec.metric !== "disk") throw new AlertInputError("mount: only a disk rule has a mount");
  if (spec.metric && PERCENT_METRICS.has(spec.metric) && (spec.threshold ?? 0) > 100) throw new AlertInputError(`threshold: ${spec.metric} is a percentage (0–100)`);
}

export function createRule(input: z.infer<typeof NewRuleSchema>, now = Date.now()): AlertRule {
  const { id, enabled, ...spec } = input;
  checkThreshold(spec);
  try {
    getDb().prepare("INSERT INTO alert_rules (id, kind, built_in, enabled, spec, created_at, updated_at) VALUES (?, 'threshold', 0, ?, ?, ?, ?)").run(id, enabled ? 1 : 0, JSON.stringify(spec), now, now);
  } catch (err) {
    if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") throw new AlertConflictError(`a rule named ${JSON.stringify(id)} exists already`);
    throw err;
  }
  return getRule(id)!;
}

export function editRule(id: string, edit: z.infer<typeof RuleEditSchema>, now = Date.now()): AlertRule {
  const rule = getRule(id);
  if (!rule) throw new AlertNotFoundError(`no alert rule ${JSON.stringify(id)}`);
  const { enabled, ...changes } = edit;
  if (rule.kind !== "threshold" && (changes.metric !== undefined || changes.threshold !== undefined || changes.mount !== undefined)) {
    throw new AlertInputError(`${id} is a built-in rule: it has no metric, threshold or mount`);
  }
  const { id: _id, kind: _kind, builtIn: _b, enabled: wasEnabled, ...old } = rule;
  const spec = RuleSpecSchema.parse({ ...old, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) });
  checkThreshold(spec);
  getDb().prepare("UPDATE alert_rules SET enabled = ?, spec = ?, updated_at = ? WHERE id = ?").run((enabled ?? wasEnabled) ? 1 : 0, JSON.stringify(spec), now, id);
  return getRule(id)!;
}

/** Threshold rules only; a built-in one is turned off instead. Its alerts go with it. */
export function deleteRule(id: string): void {
  const rule = getRule(id);
  if (!rule) throw new AlertNotFoundError(`no alert rule ${JSON.stringify(id)}`);
  if (rule.builtIn) throw new AlertInputError(`${id} is a built-in rule: turn it off ({"enabled": false}) instead of deleting it`);
  const db = getDb();
  db.transaction(() => {
    db.prepare("DELETE FROM alerts WHERE rule_id = ?").run(id);
    db.prepare("DELETE FROM alert_rules WHERE id = ?").run(id);
  })();
}
