import "server-only";
// GET /api/ssh/key (admins): the console's SSH public key, for the machines' authorized_keys.
// POST /api/ssh/machines (admins): add a machine by SSH — answers {confirm} on first contact
// (the host key to confirm, then POST again with hostKeyFingerprint), or 201 {agent}.
import type { NextRequest } from "next/server";
import { z } from "zod";
import { audit } from "../../audit/audit-log";
import { authorize } from "../../auth/authorize";
import { errorResponse, HttpError } from "../../http-errors";
import { readJson } from "../../read-json";
import { isAgentUp } from "../agent-routes";
import { agentIdFromName } from "../registry";
import { addSshMachine } from "./add-ssh-machine";
import { consoleSshKey } from "./console-ssh-key";

export function handleConsoleSshKey(req: NextRequest): Response {
  const auth = authorize(req, "admin");
  if (auth instanceof Response) return auth;
  return Response.json({ publicKey: consoleSshKey().publicKey }, { headers: { "cache-control": "no-store" } });
}

const NewSshMachine = z.object({
  name: z.string().trim().min(1).max(100),
  id: z.string().optional(),
  ssh: z.string().max(300),
  dataDir: z.string().max(1000).optional(),
  hostKeyFingerprint: z.string().max(200).optional(),
  token: z.string().max(1000).optional(),
});

export async function handleAddSshMachine(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "write", { action: "add a machine by SSH" });
  if (auth instanceof Response) return auth;
  let target = "?";
  try {
    const body = await readJson(req, NewSshMachine);
    const id = body.id ?? agentIdFromName(body.name);
    target = id;
    const result = await addSshMachine({ ...body, id });
    if ("confirm" in result) return Response.json(result, { headers: { "cache-control": "no-store" } });
    audit({ actor: auth.user, address: auth.address, action: "agent.register", target: id, result: "ok", detail: result.agent.address });
    return Response.json({ agent: { ...result.agent, up: await isAgentUp(id) } }, { status: 201 });
  } catch (err) {
    if (err instanceof HttpError) audit({ actor: auth.user, address: auth.address, action: "agent.register", target: target.slice(0, 100), result: "failed", detail: err.message });
    return errorResponse(err);
  }
}
