import "server-only";
// DELETE /api/enrollments/<id> (admins): an enrollment nobody has used yet is cancelled, so its
// one-time token stops working at once (a command copied somewhere can no longer enrol a
// machine). A used one is refused: the machine it enrolled is removed from the fleet instead.
import type { NextRequest } from "next/server";
import { audit } from "../audit/audit-log";
import { authorize } from "../auth/authorize";
import { parseId } from "../auth/user-routes";
import { errorResponse, HttpError } from "../http-errors";
import { cancelEnrollment } from "./enrollment";

export async function handleCancelEnrollment(req: NextRequest, idText: string): Promise<Response> {
  const auth = authorize(req, "write", { action: `cancel enrollment ${idText}` });
  if (auth instanceof Response) return auth;
  let target = `#${idText}`.slice(0, 100);
  try {
    const id = parseId(idText);
    const outcome = cancelEnrollment(id);
    if (outcome.result === "missing") throw new HttpError(404, `there is no enrollment #${id}: it was cancelled already, or never existed`);
    target = outcome.enrollment.agentId;
    if (outcome.result === "used") {
      throw new HttpError(409, `enrollment #${id} was already used: "${outcome.enrollment.name}" enrolled as ${outcome.enrollment.agentId}; remove that machine instead`);
    }
    const { enrollment } = outcome;
    audit({ actor: auth.user, address: auth.address, action: "enrollment.cancel", target, result: "ok", detail: `#${enrollment.id} "${enrollment.name}"` });
    return Response.json({ ok: true, enrollment: { id: enrollment.id, agentId: enrollment.agentId, name: enrollment.name, expiresAt: new Date(enrollment.expiresAt).toISOString() } });
  } catch (err) {
    if (err instanceof HttpError) audit({ actor: auth.user, address: auth.address, action: "enrollment.cancel", target, result: "failed", detail: err.message });
    return errorResponse(err);
  }
}
