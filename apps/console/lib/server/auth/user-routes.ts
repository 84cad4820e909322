import "server-only";
// /api/users (GET, POST) and /api/users/<id> (DELETE): admins only.
import type { NextRequest } from "next/server";
import { z } from "zod";
import { audit } from "../audit/audit-log";
import { errorResponse, HttpError } from "../http-errors";
import { readJson } from "../read-json";
import { authorize } from "./authorize";
import { createUser, deleteUser, listUsers } from "./users";

const NewUser = z.object({
  username: z.string(),
  password: z.string(),
  role: z.enum(["admin", "viewer"]),
});

export async function handleListUsers(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "admin");
  if (auth instanceof Response) return auth;
  return Response.json({ users: listUsers() }, { headers: { "cache-control": "no-store" } });
}

export async function handleCreateUser(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "write", { action: "create a user" });
  if (auth instanceof Response) return auth;
  let username = "?";
  try {
    const body = await readJson(req, NewUser);
    username = body.username;
    const user = await createUser(body);
    audit({ actor: auth.user, address: auth.address, action: "user.create", target: user.username, result: "ok", detail: `role ${user.role}` });
    return Response.json({ user }, { status: 201 });
  } catch (err) {
    if (err instanceof HttpError) audit({ actor: auth.user, address: auth.address, action: "user.create", target: username.slice(0, 100), result: "failed", detail: err.message });
    return errorResponse(err);
  }
}

export function parseId(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id <= 0) throw new HttpError(400, `${JSON.stringify(text)} is not an id`);
  return id;
}

export async function handleDeleteUser(req: NextRequest, idText: string): Promise<Response> {
  const auth = authorize(req, "write", { action: `delete user ${idText}` });
  if (auth instanceof Response) return auth;
  try {
    const user = deleteUser(parseId(idText), auth.user.id);
    audit({ actor: auth.user, address: auth.address, action: "user.delete", target: user.username, result: "ok" });
    return Response.json({ ok: true });
  } catch (err) {
    if (err instanceof HttpError) audit({ actor: auth.user, address: auth.address, action: "user.delete", target: `id ${idText}`.slice(0, 100), result: "failed", detail: err.message });
    return errorResponse(err);
  }
}
