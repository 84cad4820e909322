import "server-only";
// Labels on machines (env=prod, role=web), in agent_labels. Keys and values follow the rules in
// @sysward/contract (selector.ts), which the selector syntax relies on. A change tells the
// registry's listeners, so the fleet monitor shows it at once.
import { labelKeyProblem, labelValueProblem, MAX_LABELS, type LabelEdits } from "@sysward/contract";
import { getAgentRecord } from "../agents/registry";
import { registryChanged } from "../agents/registry-changes";
import { getDb } from "../db/database";
import { HttpError } from "../http-errors";

type LabelRow = { agent_id: string; key: string; value: string };

function collect(rows: LabelRow[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const r of rows) {
    let labels = out.get(r.agent_id);
    if (!labels) out.set(r.agent_id, (labels = {}));
    labels[r.key] = r.value;
  }
  return out;
}

/** Every machine's labels (machines without any are absent). */
export function allLabels(): Map<string, Record<string, string>> {
  return collect(getDb().prepare("SELECT agent_id, key, value FROM agent_labels ORDER BY agent_id, key").all() as LabelRow[]);
}

export function labelsOf(agentId: string): Record<string, string> {
  return collect(getDb().prepare("SELECT agent_id, key, value FROM agent_labels WHERE agent_id = ? ORDER BY key").all(agentId) as LabelRow[]).get(agentId) ?? {};
}

/** Sets and removes labels of one machine in one transaction; returns its labels after. */
export function editLabels(agentId: string, edits: LabelEdits): Record<string, string> {
  for (const [k, v] of Object.entries(edits.set)) {
    const problem = labelKeyProblem(k) ?? labelValueProblem(v);
    if (problem) throw new HttpError(400, problem);
  }
  for (const k of edits.remove) {
    const problem = labelKeyProblem(k);
    if (problem) throw new HttpError(400, problem);
  }
  if (!getAgentRecord(agentId)) throw new HttpError(404, `no agent with id ${JSON.stringify(agentId)}`);
  const db = getDb();
  const edit = db.transaction(() => {
    const del = db.prepare("DELETE FROM agent_labels WHERE agent_id = ? AND key = ?");
    for (const k of edits.remove) del.run(agentId, k);
    const put = db.prepare("INSERT INTO agent_labels (agent_id, key, value) VALUES (?, ?, ?) ON CONFLICT(agent_id, key) DO UPDATE SET value = excluded.value");
    for (const [k, v] of Object.entries(edits.set)) put.run(agentId, k, v);
    const labels = labelsOf(agentId);
    if (Object.keys(labels).length > MAX_LABELS) throw new HttpError(400, `a machine has at most ${MAX_LABELS} labels`);
    return labels;
  });
  let after: Record<string, string>;
  try {
    after = edit.immediate();
  } catch (err) {
    // Removed a moment ago, between the check and the write.
    if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_FOREIGNKEY") throw new HttpError(404, `no agent with id ${JSON.stringify(agentId)}`);
    throw err;
  }
  registryChanged();
  return after;
}
