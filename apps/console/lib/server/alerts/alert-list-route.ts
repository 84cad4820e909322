import "server-only";
// GET /api/alerts (anyone signed in): ?state=firing|pending|resolved|silenced, ?agent=<id>,
// ?limit (1–1000, 100), ?before=<alert id> to page back through the history. Without a state:
// the open alerts, then the latest resolved. ?alert=<id> adds that alert's notifications.
import type { NextRequest } from "next/server";
import { AlertInputError } from "./alert-errors";
import { alertRead } from "./alert-http";
import { getAlertEngine } from "./alerts";
import { notificationsOf } from "./notifications";

const STATES = ["firing", "pending", "resolved", "silenced"] as const;

export function handleListAlerts(req: NextRequest): Promise<Response> {
  return alertRead(req, () => {
    const p = req.nextUrl.searchParams;
    const state = p.get("state") ?? undefined;
    if (state !== undefined && !(STATES as readonly string[]).includes(state)) throw new AlertInputError(`state must be one of ${STATES.join(", ")}`);
    const limit = Number(p.get("limit") ?? 100);
    const before = Number(p.get("before") ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new AlertInputError("limit must be a whole number from 1 to 1000");
    if (!Number.isInteger(before) || before < 0) throw new AlertInputError("before must be an alert id");
    const alerts = getAlertEngine().alerts({ state: state as (typeof STATES)[number] | undefined, agentId: p.get("agent") ?? undefined, before, limit });
    const detail = Number(p.get("alert") ?? 0);
    return { alerts, ...(detail > 0 ? { notifications: notificationsOf(detail) } : {}) };
  });
}
