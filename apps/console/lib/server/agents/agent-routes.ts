import "server-only";
// GET /api/agents (everyone): the agents as the fleet monitor sees them (?selector=, ?state=).
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
import { deleteAgent, getAgentRecord, registerAgent } from "./registry";
import { filterMachines, MACHINE_STATE_FILTERS } from "../../shared/fleet-filter";
import { getFleetMonitor } from "../fleet/fleet";
import { choiceParam, selectorParam } from "../fleet/fleet-query";
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
  try {
    const url = req.nextUrl;
    const filter = { selector: selectorParam(url), state: choiceParam(url, "state", MACHINE_STATE_FILTERS) };
    const monitor = getFleetMonitor();
    // Just after the console started, give the machines a moment to answer before saying "connecting".
    await monitor.settled(2000);
    const agents: AgentStatus[] = filterMachines(monitor.list(), filter).map((m) => ({
      id: m.id,
      name: m.name,
      address: m.address,
      up: m.reach === "up",
      state: m.reach,
      since: new Date(m.since).toISOString(),
      reason: m.reason,
      labels: m.labels,
      hostname: m.info?.hostname ?? "",
      agentVersion: m.info?.agentVersion ?? "",
      services: m.services.length,
      failedServices: m.failed,
    }));
    return Response.json({ agents }, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
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
