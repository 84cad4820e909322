// AgentService through the console's /rpc/<agent> proxy: Connect protocol over HTTP/1.1 (the
// proxy accepts it; streams come back chunked), with the API token as the bearer.
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AgentService } from "@sysward/proto";
import type { Credentials } from "./config";
import { CLI_VERSION } from "./version";

export type AgentClient = Client<typeof AgentService>;

export function agentClient(creds: Credentials, agentId: string): AgentClient {
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${creds.token}`);
    req.header.set("user-agent", `sysward-cli/${CLI_VERSION}`);
    return next(req);
  };
  const transport = createConnectTransport({
    baseUrl: `${creds.url}/rpc/${encodeURIComponent(agentId)}`,
    httpVersion: "1.1",
    interceptors: [bearer],
  });
  return createClient(AgentService, transport);
}
