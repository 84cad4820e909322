// A typed AgentService client through the console's authenticated proxy (/rpc/local/...), over
// HTTP/1.1 as a script or scraper would call it, authenticated with an API token.
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AgentService } from "@sysward/proto";

export function proxyClient(baseUrl: string, apiToken: string, agentId = "local"): Client<typeof AgentService> {
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${apiToken}`);
    return next(req);
  };
  return createClient(AgentService, createConnectTransport({ baseUrl: `${baseUrl}/rpc/${agentId}`, httpVersion: "1.1", interceptors: [bearer] }));
}
