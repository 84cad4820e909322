import "server-only";
// Labels on machines (env=prod, role=web), in agent_labels. Keys and values follow the rules in
// @sysward/contract (selector.ts), which the selector syntax relies on.
import { getDb } from "../db/database";

/** Every machine's labels (machines without any are absent). */
export function allLabels(): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const r of getDb().prepare("SELECT agent_id, key, value FROM agent_labels ORDER BY agent_id, key").all() as Array<{ agent_id: string; key: string; value: string }>) {
    let labels = out.get(r.agent_id);
    if (!labels) out.set(r.agent_id, (labels = {}));
    labels[r.key] = r.value;
  }
  return out;
}
