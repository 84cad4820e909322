import "server-only";
// /api/alerts/rules: list (anyone signed in); add a threshold rule, edit any rule (on/off,
// settings), delete a threshold rule (admins).
import type { NextRequest } from "next/server";
import { readJson } from "../read-json";
import { alertChange, alertRead } from "./alert-http";
import { createRule, deleteRule, editRule, listRules, NewRuleSchema, RuleEditSchema } from "./alert-rules";

export function handleListRules(req: NextRequest): Promise<Response> {
  return alertRead(req, () => ({ rules: listRules() }));
}

export function handleCreateRule(req: NextRequest): Promise<Response> {
  return alertChange(req, { action: "alert.rule.create", target: "rule", status: 201 }, async () => {
    const rule = createRule(await readJson(req, NewRuleSchema));
    return { body: { rule }, detail: `${rule.id}: ${rule.metric} > ${rule.threshold} for ${rule.forSeconds} s${rule.selector ? ` on ${rule.selector}` : ""}` };
  });
}

export function handleEditRule(req: NextRequest, id: string): Promise<Response> {
  return alertChange(req, { action: "alert.rule.edit", target: `rule ${id.slice(0, 63)}` }, async () => {
    const edit = await readJson(req, RuleEditSchema);
    return { body: { rule: editRule(id, edit) }, detail: JSON.stringify(edit).slice(0, 500) };
  });
}

export function handleDeleteRule(req: NextRequest, id: string): Promise<Response> {
  return alertChange(req, { action: "alert.rule.delete", target: `rule ${id.slice(0, 63)}` }, () => {
    deleteRule(id);
    return { body: { deleted: id } };
  });
}
