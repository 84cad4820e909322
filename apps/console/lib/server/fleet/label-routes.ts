import "server-only";
// PATCH /api/agents/<id>/labels (admins): `{set: {key: value}, remove: [key]}` → `{labels}`.
import type { NextRequest } from "next/server";
import { z } from "zod";
import { audit } from "../audit/audit-log";
import { authorize } from "../auth/authorize";
import { errorResponse, HttpError } from "../http-errors";
import { readJson } from "../read-json";
import { editLabels } from "./labels";

const Edits = z.object({
  set: z.record(z.string(), z.string()).default({}),
  remove: z.array(z.string()).default([]),
});

export async function handleEditLabels(req: NextRequest, agentId: string): Promise<Response> {
  const auth = authorize(req, "write", { action: `label agent ${agentId}` });
  if (auth instanceof Response) return auth;
  try {
    const edits = await readJson(req, Edits);
    const labels = editLabels(agentId, edits);
    const detail = [...Object.entries(edits.set).map(([k, v]) => `${k}=${v}`), ...edits.remove.map((k) => `${k}-`)].join(" ");
    audit({ actor: auth.user, address: auth.address, action: "agent.label", target: agentId, result: "ok", detail });
    return Response.json({ labels });
  } catch (err) {
    if (err instanceof HttpError) audit({ actor: auth.user, address: auth.address, action: "agent.label", target: agentId.slice(0, 100), result: "failed", detail: err.message });
    return errorResponse(err);
  }
}
