import "server-only";
// The agent's plain-HTTP pages next to its RPCs — /debug/vars (expvar JSON) and /metrics
// (Prometheus text) — forwarded as a GET of that fixed path, behind the same auth as everything
// else: any signed-in user or API token may read them.
import type { NextRequest } from "next/server";
import { authorize } from "../auth/authorize";
import { agentConnection } from "../agents/agent-connection";
import { getAgentRecord } from "../agents/registry";
import { errorResponse, jsonError } from "../http-errors";
import { optionsRoute } from "../auth/options-route";
import { AgentProxyError, forwardToAgent } from "./forward-to-agent";

/**
 * The paths the console forwards, with the Accept it sends for each and the media types it passes
 * back (text/plain: the agent's own error answers; with nosniff no browser renders it).
 */
const AGENT_PAGES = {
  "/debug/vars": { accept: "application/json", contentTypes: /^(application\/json|text\/plain)$/ },
  "/metrics": { accept: "text/plain; version=0.0.4", contentTypes: /^text\/plain$/ },
} as const;

export type AgentPage = keyof typeof AGENT_PAGES;

/** OPTIONS of the agent's pages (HEAD: Next answers it with GET). */
export const agentPageOptions = optionsRoute("GET, HEAD");

export async function handleAgentGet(req: NextRequest, agentId: string, page: AgentPage): Promise<Response> {
  const auth = authorize(req, "read");
  if (auth instanceof Response) return auth;
  const agent = getAgentRecord(agentId);
  if (!agent) return jsonError(404, `no agent with id ${JSON.stringify(agentId)}`);
  try {
    return await forwardToAgent(agentConnection(agent), {
      method: "GET",
      path: page,
      headers: new Headers({ accept: AGENT_PAGES[page].accept }),
      body: null,
      contentTypes: AGENT_PAGES[page].contentTypes,
      signal: req.signal,
    });
  } catch (err) {
    if (err instanceof AgentProxyError) return jsonError(err.status, err.message);
    return errorResponse(err);
  }
}
