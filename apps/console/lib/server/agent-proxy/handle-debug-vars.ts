import "server-only";
// /agents/<agentId>/debug/vars: the agent's expvar JSON, behind the same auth as everything else.
import type { NextRequest } from "next/server";
import { authorize } from "../auth/authorize";
import { agentConnection } from "../agents/agent-connection";
import { getAgentRecord } from "../agents/registry";
import { errorResponse, jsonError } from "../http-errors";
import { AgentUnreachableError, forwardToAgent } from "./forward-to-agent";

export async function handleDebugVars(req: NextRequest, agentId: string): Promise<Response> {
  const auth = authorize(req, "read");
  if (auth instanceof Response) return auth;
  const agent = getAgentRecord(agentId);
  if (!agent) return jsonError(404, `no agent with id ${JSON.stringify(agentId)}`);
  try {
    return await forwardToAgent(agentConnection(agent), {
      method: "GET",
      path: "/debug/vars",
      headers: new Headers({ accept: "application/json" }),
      body: null,
      signal: req.signal,
    });
  } catch (err) {
    if (err instanceof AgentUnreachableError) return jsonError(503, err.message);
    return errorResponse(err);
  }
}
