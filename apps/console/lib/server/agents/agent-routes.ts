import "server-only";
// GET /api/agents (everyone): the agents and whether each answers now.
// POST /api/agents and DELETE /api/agents/<id> (admins): register or remove a remote agent.
import type { NextRequest } from "next/server";
import { z } from "zod";
import type { AgentStatus } from "../../shared/types";
import { audit } from "../audit/audit-log";
import { authorize } from "../auth/authorize";
import { errorResponse, HttpError } from "../http-errors";
import { revokeAgentCertificates } from "../pki/certificate-store";
import { readJson } from "../read-json";
import { agentClient } from "./agent-client";
import { agentConnection, forgetAgentConnection } from "./agent-connection";
import { deleteAgent, getAgentRecord, listAgents, registerAgent } from "./registry";
import { forgetSshMachine } from "./ssh/add-ssh-machine";

const UP_CHECK_TIMEOUT_MS = 1500;

export async function isAgentUp(agentId: string): Promise<boolean> {
  const record = getAgentRecord(agentId);
  if (!record) return false;
  try {
    await agentClient(agentConnection(record)).agentInfo({}, { timeoutMs: UP_CHECK_TIMEOUT_MS });
    return true;
  } catch {
    return false;
  }
}

export async function handleListAgents(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "read");
  if (auth instanceof Response) return auth;
  const agents = await listAgents();
  const statuses: AgentStatus[] = await Promise.all(agents.map(async (a) => ({ ...a, up: await isAgentUp(a.id) })));
  return Response.json({ agents: statuses }, { headers: { "cache-control": "no-store" } });
}

const NewAgent = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string(),
  credential: z.record(z.string(), z.unknown()),
});

export async function handleRegisterAgent(req: NextRequest): Promise<Response> {
  const auth = authorize(req, "write", { action: "register an agent" });
  if (auth instanceof Response) return auth;
  let id = "?";
  try {
    const body = await readJson(req, NewAgent);
    id = body.id;
    const agent = registerAgent(body);
    audit({ actor: auth.user, address: auth.address, action: "agent.register", target: agent.id, result: "ok", detail: agent.address });
    return Response.json({ agent: { ...agent, up: await isAgentUp(agent.id) } }, { status: 201 });
  } catch (err) {
    if (err instanceof HttpError) audit({ actor: auth.user, address: auth.address, action: "agent.register", target: id.slice(0, 100), result: "failed", detail: err.message });
    return errorResponse(err);
  }
}

export async function handleDeleteAgent(req: NextRequest, agentId: string): Promise<Response> {
  const auth = authorize(req, "write", { action: `remove agent ${agentId}` });
  if (auth instanceof Response) return auth;
  try {
    const agent = deleteAgent(agentId);
    forgetAgentConnection(agentId);
    await forgetSshMachine(agent.address);
    audit({ actor: auth.user, address: auth.address, action: "agent.delete", target: agent.id, result: "ok", detail: agent.address });
    // An enrolled agent's certificate is revoked with it: the console refuses it from now on.
    for (const serial of revokeAgentCertificates(agentId)) {
      audit({ actor: auth.user, address: auth.address, action: "certificate.revoke", target: agent.id, result: "ok", detail: `serial ${serial}` });
    }
    return Response.json({ ok: true });
  } catch (err) {
    if (err instanceof HttpError) audit({ actor: auth.user, address: auth.address, action: "agent.delete", target: agentId.slice(0, 100), result: "failed", detail: err.message });
    return errorResponse(err);
  }
}
