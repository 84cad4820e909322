import "server-only";
// A typed AgentService client for server code (Install, GetService, health checks), speaking gRPC
// over the agent's shared HTTP/2 connection with its bearer token.
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AgentService } from "@sysward/proto";
import type { AgentConnection } from "./agent-connection";

export type AgentClient = Client<typeof AgentService>;

const clients = new WeakMap<AgentConnection, AgentClient>();

export function agentClient(conn: AgentConnection): AgentClient {
  let client = clients.get(conn);
  if (!client) {
    const bearer: Interceptor = (next) => (req) => {
      req.header.set("authorization", `Bearer ${conn.bearer()}`);
      return next(req);
    };
    const transport = createGrpcTransport({
      baseUrl: conn.baseUrl,
      sessionManager: conn.sessions,
      interceptors: [bearer],
    });
    clients.set(conn, (client = createClient(AgentService, transport)));
  }
  return client;
}
