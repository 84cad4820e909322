// Which (machine, service) pairs a rule's condition holds for right now, from the fleet monitor's
// state. Pure: no I/O, no clock (now is given). A machine whose state is not known (connecting, or
// down for a service rule) yields `held` entries instead: its alerts neither fire nor resolve.
import { matchesSelector, parseSelector, type Selector } from "@sysward/contract";
import type { AlertRule } from "../../shared/alert-types";
import type { MachineState } from "../../shared/fleet-types";
import type { RestartWindow } from "./restart-window";

export interface Condition {
  agentId: string;
  /** "" for a machine-wide condition. */
  service: string;
  summary: string;
  value: number | null;
  /** When it became true, when the state says (a machine down since…); else when first seen. */
  since?: number;
}

export interface EvaluationContext {
  now: number;
  restarts: RestartWindow;
  /** Each machine's newest agent certificate's expiry. */
  certificateExpiry: ReadonlyMap<string, number>;
}

export interface RuleResult {
  active: Condition[];
  /** Machines whose alerts of this rule stay as they are (state unknown right now). */
  held: Set<string>;
}

const selectorCache = new Map<string, Selector>();
function selectorOf(text: string): Selector {
  let s = selectorCache.get(text);
  if (!s) {
    s = parseSelector(text);
    if (selectorCache.size > 1000) selectorCache.clear();
    selectorCache.set(text, s);
  }
  return s;
}

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();
const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

export function evaluateRule(rule: AlertRule, machines: readonly MachineState[], ctx: EvaluationContext): RuleResult {
  const active: Condition[] = [];
  const held = new Set<string>();
  const selector = rule.selector ? selectorOf(rule.selector) : [];
  for (const m of machines) {
    if (selector.length && !matchesSelector(m.labels, selector)) continue;
    if (rule.kind === "machine-down") {
      if (m.reach === "connecting") held.add(m.id);
      else if (m.reach === "down") active.push({ agentId: m.id, service: "", since: m.since, value: null, summary: `${m.name} is unreachable${m.reason ? `: ${m.reason}` : ""}` });
      continue;
    }
    if (rule.kind === "certificate-expiring") {
      const notAfter = ctx.certificateExpiry.get(m.id);
      const days = rule.days ?? 14;
      if (notAfter !== undefined && notAfter - ctx.now < days * 86_400_000) {
        const left = Math.max(0, (notAfter - ctx.now) / 86_400_000);
        active.push({ agentId: m.id, service: "", value: left, summary: `${m.name}'s agent certificate expires ${notAfter <= ctx.now ? "— it has expired" : `in ${fmt(left)} days`} (${new Date(notAfter).toISOString()})` });
      }
      continue;
    }
    if (m.reach !== "up") {
      held.add(m.id);
      continue;
    }
    switch (rule.kind) {
      case "service-failed":
        for (const s of m.services) {
          if (rule.service && s.name !== rule.service) continue;
          if (s.state === "failed") active.push({ agentId: m.id, service: s.name, value: s.restarts, summary: `${s.name} on ${m.name} failed${s.detail ? `: ${s.detail}` : ""}` });
        }
        break;
      case "service-restarts": {
        const windowMs = (rule.windowMinutes ?? 10) * 60_000;
        const limit = rule.restarts ?? 3;
        for (const s of m.services) {
          if (rule.service && s.name !== rule.service) continue;
          const n = ctx.restarts.restartsWithin(m.id, s.name, windowMs, ctx.now);
          if (n > limit) active.push({ agentId: m.id, service: s.name, value: n, summary: `${s.name} on ${m.name} restarted ${n} times in ${fmt(windowMs / 60_000)} minutes` });
        }
        break;
      }
      case "unsandboxed":
        if (m.info && !m.info.sandboxed && m.services.length > 0) {
          active.push({ agentId: m.id, service: "", value: m.services.length, summary: `${m.name} runs ${m.services.length} service(s) without a sandbox${m.info.isolationDetail ? `: ${m.info.isolationDetail}` : ""}` });
        }
        break;
      case "threshold":
        thresholdConditions(rule, m, active, held);
        break;
      case "rollout-stopped":
        // Raised and resolved by the rollout engine (external-conditions.ts), never evaluated.
        break;
    }
  }
  return { active, held };
}

function thresholdConditions(rule: AlertRule, m: MachineState, active: Condition[], held: Set<string>): void {
  const p = m.perf;
  if (!p) {
    held.add(m.id);
    return;
  }
  const limit = rule.threshold ?? 0;
  const machineWide = (value: number, what: string) => {
    if (value > limit) active.push({ agentId: m.id, service: "", value, summary: `${what} on ${m.name} is ${fmt(value)} (above ${fmt(limit)} for ${rule.forSeconds} s)` });
  };
  switch (rule.metric) {
    case "cpu":
      return machineWide(p.cpuPercent, "CPU %");
    case "memory":
      return machineWide(p.memPercent, "memory used %");
    case "load":
      return machineWide(p.load1, "load (1 min)");
    case "disk": {
      const mount = rule.mount ?? "/";
      const d = p.disks?.find((x) => x.mount === mount);
      if (d && d.usedPercent > limit) active.push({ agentId: m.id, service: mount, value: d.usedPercent, summary: `disk ${mount} on ${m.name} is ${fmt(d.usedPercent)}% full (above ${fmt(limit)}%)` });
      return;
    }
    case "service-cpu":
    case "service-rss":
      for (const s of p.services ?? []) {
        if (rule.service && s.name !== rule.service) continue;
        const value = rule.metric === "service-cpu" ? s.cpuPercent : s.rssBytes;
        if (value <= limit) continue;
        const shown = rule.metric === "service-cpu" ? `CPU ${fmt(value)}% (above ${fmt(limit)}%)` : `RSS ${mib(value)} (above ${mib(limit)})`;
        active.push({ agentId: m.id, service: s.name, value, summary: `${s.name} on ${m.name}: ${shown}` });
      }
      return;
    case undefined:
      return;
  }
}
