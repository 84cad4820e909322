import "server-only";
// A typed AgentService client whose fetch goes straight into the /rpc proxy's route handler, as
// a browser's connect-web client with this session would.
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AgentService } from "@sysward/proto";
import * as rpcRoute from "@/app/rpc/[agentId]/[...method]/route";
import { CONSOLE_ORIGIN, consoleRequest } from "./console-test-env";

export function proxiedAgentClient(agentId: string, session: string): Client<typeof AgentService> {
  const fetchViaRoute: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const [, , id, ...method] = url.pathname.split("/");
    const req = consoleRequest(url.pathname, { method: "POST", body: init?.body as BodyInit, headers: Object.fromEntries(new Headers(init?.headers).entries()), session, signal: init?.signal ?? undefined });
    return rpcRoute.POST(req, { params: Promise.resolve({ agentId: id!, method }) });
  };
  return createClient(AgentService, createConnectTransport({ baseUrl: `${CONSOLE_ORIGIN}/rpc/${agentId}`, fetch: fetchViaRoute }));
}
