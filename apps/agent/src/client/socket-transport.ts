// A Connect, gRPC or gRPC-Web client transport to an agent's Unix socket (HTTP/2 prior knowledge),
// adding the bearer token to every call. Used by tests, benchmarks and tools.
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { AgentService } from "@sysward/proto";
import net from "node:net";

export type TransportKind = "connect" | "grpc" | "grpc-web";
export const TRANSPORT_KINDS: readonly TransportKind[] = ["connect", "grpc", "grpc-web"];

function createSocketTransport(socketPath: string, token: string | undefined, kind: TransportKind = "connect"): Transport {
  const bearer: Interceptor = (next) => (req) => {
    if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
  const options = {
    // The authority is not used for routing: the socket is the address.
    baseUrl: "http://localhost",
    httpVersion: "2" as const,
    nodeOptions: { createConnection: () => net.connect(socketPath) },
    interceptors: [bearer],
  };
  switch (kind) {
    case "connect":
      return createConnectTransport(options);
    case "grpc":
      return createGrpcTransport(options);
    case "grpc-web":
      return createGrpcWebTransport(options);
  }
}

export function createAgentClient(socketPath: string, token: string | undefined, kind: TransportKind = "connect"): Client<typeof AgentService> {
  return createClient(AgentService, createSocketTransport(socketPath, token, kind));
}
