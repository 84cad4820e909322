import "server-only";
// /api/tokens (GET, POST) and /api/tokens/<id> (DELETE). Every user makes and revokes their own
// tokens, which act as them (a viewer's token reads, an admin's may change things); admins see
// and revoke everyone's. A new token is in the POST response and nowhere else, ever.
import type { NextRequest } from "next/server";
import { z } from "zod";
import { audit } from "../audit/audit-log";
import { errorResponse, HttpError } from "../http-errors";
import { readJson } from "../read-json";
import { createToken, deleteToken, getToken, listTokens } from "./api-tokens";
import { authorize } from "./authorize";
import { parseId } from "./user-routes";

const NewToken = z.object({ name: z.string(), expiresInDays: z.number().optional() });

export async function handleListTokens(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "read");
  if (auth instanceof Response) return auth;
  const tokens = auth.user.role === "admin" ? listTokens() : listTokens(auth.user.id);
  return Response.json({ tokens }, { headers: { "cache-control": "no-store" } });
}

export async function handleCreateToken(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "read", { action: "create an API token" });
  if (auth instanceof Response) return auth;
  try {
    const { name, expiresInDays } = await readJson(req, NewToken);
    const { token, summary } = createToken(auth.user.id, name, expiresInDays);
    const lasts = summary.expiresAt ? `until ${summary.expiresAt}` : "until revoked";
    audit({ actor: auth.user, address: auth.address, action: "token.create", target: `${summary.name} (${summary.prefix}…)`, result: "ok", detail: `acts as ${auth.user.username} (${auth.user.role}), ${lasts}` });
    return Response.json({ token, tokenInfo: summary }, { status: 201, headers: { "cache-control": "no-store" } });
  } catch (err) {
    if (err instanceof HttpError) audit({ actor: auth.user, address: auth.address, action: "token.create", result: "failed", detail: err.message });
    return errorResponse(err);
  }
}

export async function handleDeleteToken(req: NextRequest, idText: string): Promise<Response> {
  const auth = authorize(req, "read", { action: `delete API token ${idText}` });
  if (auth instanceof Response) return auth;
  try {
    const id = parseId(idText);
    // Someone else's token is, to a non-admin, a token that does not exist.
    const existing = getToken(id);
    if (!existing || (auth.user.role !== "admin" && existing.userId !== auth.user.id)) throw new HttpError(404, `no API token with id ${id}`);
    const summary = deleteToken(id);
    audit({ actor: auth.user, address: auth.address, action: "token.delete", target: `${summary.name} (${summary.prefix}…) of ${summary.username}`, result: "ok" });
    return Response.json({ ok: true });
  } catch (err) {
    if (err instanceof HttpError) audit({ actor: auth.user, address: auth.address, action: "token.delete", target: `id ${idText}`.slice(0, 100), result: "failed", detail: err.message });
    return errorResponse(err);
  }
}
