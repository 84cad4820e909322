import "server-only";
// The agent's plain-HTTP pages next to its RPCs — /debug/vars (expvar JSON) and /metrics
// (Prometheus text) — forwarded as a GET of that fixed path, behind the same auth as everything
// else: any signed-in user or API token may read them.
import type { NextRequest } from "next/server";
import { authorize } from "../auth/authorize";
import { agentConnection } from "../agents/agent-connection";
import { getAgentRecord } from "../agents/registry";
import { errorResponse, jsonError } from "../http-errors";
import { AgentUnreachableError, forwardToAgent } from "./forward-to-agent";

/** The paths the console forwards, with the Accept it sends for each. */
const AGENT_PAGES = {
  "/debug/vars": "application/json",
  "/metrics": "text/plain; version=0.0.4",
} as const;

export type AgentPage = keyof typeof AGENT_PAGES;

export async function handleAgentGet(req: NextRequest, agentId: string, page: AgentPage): Promise<Response> {
  const auth = authorize(req, "read");
  if (auth instanceof Response) return auth;
  const agent = getAgentRecord(agentId);
  if (!agent) return jsonError(404, `no agent with id ${JSON.stringify(agentId)}`);
  try {
    return await forwardToAgent(agentConnection(agent), {
      method: "GET",
      path: page,
      headers: new Headers({ accept: AGENT_PAGES[page] }),
      body: null,
      signal: req.signal,
    });
  } catch (err) {
    if (err instanceof AgentUnreachableError) return jsonError(503, err.message);
    return errorResponse(err);
  }
}
