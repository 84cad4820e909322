import "server-only";
// /api/rollouts: start one (POST, multipart with the package or JSON naming a stored sha256),
// list them (GET), one with its hosts (GET /:id), cancel, approve and revert (POST /:id/…).
// Reads are open to any signed-in user; changes need an admin (session or API token).
import type { NextRequest } from "next/server";
import { z } from "zod";
import { audit } from "../audit/audit-log";
import { authorize, type Principal } from "../auth/authorize";
import { getConfig } from "../config";
import { errorResponse, HttpError, jsonError } from "../http-errors";
import { readJson } from "../read-json";
import { FileTooLargeError, startMultipartUpload } from "../upload/multipart-upload";
import { storePackage } from "./package-store";
import type { Actor } from "./rollout-engine";
import { PackageNotStoredError, RolloutConflictError, RolloutInputError, RolloutNotFoundError, RolloutStateError } from "./rollout-errors";
import { parseStrategy } from "./rollout-plan";
import { listRollouts } from "./rollout-store";
import { getRolloutEngine } from "./rollouts";

const NO_STORE = { "cache-control": "no-store" };
const STRATEGY_FIELDS = ["canary", "batch", "healthSeconds", "pauseSeconds", "approveAfterCanary", "onFailure", "waitForDown"] as const;
const FORM_HELP = 'send multipart/form-data with the fields "name", "selector" and the strategy (canary, batch, healthSeconds, pauseSeconds, approveAfterCanary, onFailure, waitForDown), then the ZIP as the file part "package"; or JSON {name, selector, sha256, …} for a package already stored';

const JsonStart = z.object({
  name: z.string(),
  selector: z.string(),
  sha256: z.string(),
  ...Object.fromEntries(STRATEGY_FIELDS.map((f) => [f, z.union([z.string(), z.number(), z.boolean()]).optional()])),
});

/** Domain errors to HTTP: the one place their statuses are chosen. */
function rolloutErrorResponse(err: unknown): Response {
  if (err instanceof RolloutConflictError) return jsonError(409, err.message, { runningId: err.runningId });
  if (err instanceof RolloutInputError) return jsonError(400, err.message);
  if (err instanceof FileTooLargeError) return jsonError(413, err.message);
  if (err instanceof PackageNotStoredError || err instanceof RolloutNotFoundError) return jsonError(404, err.message);
  if (err instanceof RolloutStateError) return jsonError(409, err.message);
  return errorResponse(err);
}

const actorOf = (auth: Principal): Actor => ({ user: auth.user, address: auth.address });

function rolloutId(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) throw new HttpError(400, "a rollout id is a whole number");
  return id;
}

async function startFromMultipart(req: NextRequest, contentType: string, auth: Principal): Promise<number> {
  if (!req.body) throw new HttpError(400, "empty request body");
  const upload = await startMultipartUpload(req.body, contentType, getConfig().maxUploadBytes);
  if (upload.fieldName !== "package") {
    upload.abandon();
    throw new HttpError(400, `the file part must be named "package", not ${JSON.stringify(upload.fieldName)}`);
  }
  const field = (n: string) => upload.fields.get(n);
  let strategy;
  try {
    strategy = parseStrategy(field);
    if (field("name") === undefined || field("selector") === undefined) throw new RolloutInputError('the "name" and "selector" fields must come before the file part in the form');
    // Refused before a byte of the package is read.
    getRolloutEngine().check(field("name")!, field("selector")!);
  } catch (err) {
    upload.abandon();
    throw err;
  }
  const stored = await storePackage(upload.file);
  return getRolloutEngine().start({ service: field("name")!, selector: field("selector")!, sha256: stored.sha256, strategy }, actorOf(auth));
}

async function startFromJson(req: NextRequest, auth: Principal): Promise<number> {
  const body = await readJson(req, JsonStart);
  const strategy = parseStrategy((n) => {
    const v = (body as Record<string, unknown>)[n];
    return v === undefined ? undefined : String(v);
  });
  return getRolloutEngine().start({ service: body.name, selector: body.selector, sha256: body.sha256.toLowerCase(), strategy }, actorOf(auth));
}

export async function handleStartRollout(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "write", { action: "start a rollout" });
  if (auth instanceof Response) return auth;
  const contentType = req.headers.get("content-type") ?? "";
  try {
    let id: number;
    if (/^multipart\/form-data\s*;/i.test(contentType)) id = await startFromMultipart(req, contentType, auth);
    else if (/^application\/json\b/i.test(contentType)) id = await startFromJson(req, auth);
    else return jsonError(415, FORM_HELP);
    return Response.json({ rollout: getRolloutEngine().get(id) }, { status: 201, headers: NO_STORE });
  } catch (err) {
    if (err instanceof Error) audit({ actor: auth.user, address: auth.address, action: "rollout.start", target: "rollout", result: "failed", detail: err.message });
    return rolloutErrorResponse(err);
  }
}

export function handleListRollouts(req: NextRequest): Response {
  const auth = authorize(req, "read");
  if (auth instanceof Response) return auth;
  const limit = Number(req.nextUrl.searchParams.get("limit") ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return jsonError(400, "limit must be a whole number from 1 to 1000");
  return Response.json({ rollouts: listRollouts(limit) }, { headers: NO_STORE });
}

export function handleGetRollout(req: NextRequest, idText: string): Response {
  const auth = authorize(req, "read");
  if (auth instanceof Response) return auth;
  try {
    return Response.json({ rollout: getRolloutEngine().get(rolloutId(idText)) }, { headers: NO_STORE });
  } catch (err) {
    return rolloutErrorResponse(err);
  }
}

export type RolloutAction = "cancel" | "approve" | "revert";

export function handleRolloutAction(req: NextRequest, idText: string, action: RolloutAction): Response {
  const auth = authorize(req, "write", { action: `${action} rollout ${idText}` });
  if (auth instanceof Response) return auth;
  try {
    const id = rolloutId(idText);
    const engine = getRolloutEngine();
    const rollout = action === "cancel" ? engine.cancel(id, actorOf(auth)) : action === "approve" ? engine.approve(id, actorOf(auth)) : engine.revert(id, actorOf(auth));
    return Response.json({ rollout }, { headers: NO_STORE });
  } catch (err) {
    return rolloutErrorResponse(err);
  }
}
