import "server-only";
// The alert API's one wrapper: authorize, run, answer JSON; the alert domain's errors become
// 400 / 404 / 409 with their message, and every change (done or refused) is audited.
import type { NextRequest } from "next/server";
import { audit, type AuditAction } from "../audit/audit-log";
import { authorize, type Principal } from "../auth/authorize";
import { errorResponse, HttpError } from "../http-errors";
import { AlertConflictError, AlertInputError, AlertNotFoundError } from "./alert-errors";

const NO_STORE = { "cache-control": "no-store" };

function asHttp(err: unknown): unknown {
  if (err instanceof AlertInputError) return new HttpError(400, err.message);
  if (err instanceof AlertNotFoundError) return new HttpError(404, err.message);
  if (err instanceof AlertConflictError) return new HttpError(409, err.message);
  return err;
}

/** A read any signed-in user may make. */
export async function alertRead(req: NextRequest, run: () => unknown): Promise<Response> {
  const auth = authorize(req, "read");
  if (auth instanceof Response) return auth;
  try {
    return Response.json(await run(), { headers: NO_STORE });
  } catch (err) {
    return errorResponse(asHttp(err));
  }
}

export interface AlertChange {
  action: AuditAction;
  /** What it acts on, for the audit line ("channel 3", "rule cpu-high"). */
  target: string;
  status?: number;
}

/** A change (admins): `run` returns the answer and what to audit as detail. */
export async function alertChange(req: NextRequest, change: AlertChange, run: (auth: Principal) => Promise<{ body: unknown; detail?: string }> | { body: unknown; detail?: string }): Promise<Response> {
  const auth = authorize(req, "write", { action: `${change.action} ${change.target}` });
  if (auth instanceof Response) return auth;
  try {
    const { body, detail } = await run(auth);
    audit({ actor: auth.user, address: auth.address, action: change.action, target: change.target, result: "ok", detail: detail ?? null });
    return Response.json(body, { status: change.status ?? 200, headers: NO_STORE });
  } catch (err) {
    const mapped = asHttp(err);
    if (mapped instanceof HttpError) audit({ actor: auth.user, address: auth.address, action: change.action, target: change.target.slice(0, 100), result: "failed", detail: mapped.message });
    return errorResponse(mapped);
  }
}

/** A numeric id from the path, or a 404 that says so. */
export function pathId(raw: string, what: string): number {
  const id = Number(raw);
  if (!Number.isInteger(id) || id <= 0) throw new AlertNotFoundError(`no ${what} ${JSON.stringify(raw.slice(0, 40))}`);
  return id;
}
