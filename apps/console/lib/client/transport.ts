// The browser's way to an agent: Connect over the console's authenticated proxy at
// /rpc/<agentId>/<Service>/<Method>. Same-origin cookies go along; no extra credentials.
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AgentService } from "@sysward/proto";
import { useMemo } from "react";

export type AgentClient = Client<typeof AgentService>;

function createAgentTransport(agentId: string): Transport {
  return createConnectTransport({ baseUrl: `/rpc/${encodeURIComponent(agentId)}` });
}

function createAgentClient(agentId: string): AgentClient {
  return createClient(AgentService, createAgentTransport(agentId));
}

/** One client per agent id for the component's lifetime. */
export function useAgentClient(agentId: string): AgentClient {
  return useMemo(() => createAgentClient(agentId), [agentId]);
}
