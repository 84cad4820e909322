import "server-only";
// /rpc/<agentId>/sysward.agent.v1.AgentService/<Method>: authenticate, authorize by method
// (read vs write), then forward to the agent as a stream. Writes are audited with their outcome.
import { ConnectError } from "@connectrpc/connect";
import { AgentService } from "@sysward/proto";
import type { NextRequest } from "next/server";
import { agentMethod, AGENT_SERVICE_NAME, type AgentMethodInfo } from "../../shared/agent-methods";
import { audit, type AuditAction } from "../audit/audit-log";
import { authorize, type Principal } from "../auth/authorize";
import { agentConnection } from "../agents/agent-connection";
import { getAgentRecord } from "../agents/registry";
import { connectCodeName, statusForConnectCode } from "../http-errors";
import { getLogger } from "../log";
import { AgentProxyError, forwardToAgent, RPC_CONTENT_TYPES } from "./forward-to-agent";
import { targetFromRequest } from "./request-target";
import { RpcOutcomeRecorder } from "./rpc-outcome";
import { takeStreamSlot } from "./stream-quota";
import { getConfig } from "../config";
import { optionsRoute } from "../auth/options-route";

/** OPTIONS of /rpc (HEAD: Next answers it with GET). */
export const rpcOptions = optionsRoute("GET, HEAD, POST");

/** Unary write requests are a name or two: anything bigger is not a real call. */
const MAX_BUFFERED_WRITE_BYTES = 1024 * 1024;

const AUDIT_ACTIONS: Partial<Record<string, AuditAction>> = {
  Install: "install",
  Remove: "remove",
  StartService: "start",
  StopService: "stop",
  RestartService: "restart",
  Rollback: "rollback",
};

/** A Connect error response: connect-web (and gRPC-Web clients, via the HTTP status) understand it. */
function connectError(status: number, code: string, message: string): Response {
  return Response.json({ code, message }, { status, headers: { "cache-control": "no-store" } });
}

/**
 * An error for a streaming call before the stream starts, in the call's own protocol: a streaming
 * client reads the code from the stream, not from the HTTP status (429 would read as Unavailable).
 * Connect: one end-of-stream message; gRPC and gRPC-Web: trailers-only, grpc-status in the headers.
 */
const GRPC_STATUS: Record<string, number> = { resource_exhausted: 8 };
function streamError(req: NextRequest, code: string, message: string): Response {
  const type = req.headers.get("content-type") ?? "";
  if (type.startsWith("application/connect+")) {
    const json = Buffer.from(JSON.stringify({ error: { code, message } }));
    const prefix = Buffer.alloc(5);
    prefix[0] = 0b10; // end of stream
    prefix.writeUInt32BE(json.length, 1);
    return new Response(Buffer.concat([prefix, json]), { status: 200, headers: { "content-type": type, "cache-control": "no-store" } });
  }
  if (type.startsWith("application/grpc")) {
    return new Response(null, { status: 200, headers: { "content-type": type, "grpc-status": String(GRPC_STATUS[code] ?? 2), "grpc-message": encodeURIComponent(message) } });
  }
  return connectError(429, code, message);
}

async function readCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array | null> {
  if (!body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function handleRpc(req: NextRequest, agentId: string, segments: string[]): Promise<Response> {
  const [service, methodName, ...rest] = segments;
  const method: AgentMethodInfo | undefined = service === AGENT_SERVICE_NAME && rest.length === 0 && methodName ? agentMethod(methodName) : undefined;
  const auth = authorize(req, method?.access ?? "read", { format: "connect", action: method ? `${method.name} on agent ${agentId}` : undefined });
  if (auth instanceof Response) return auth;
  if (!method) return connectError(404, "unimplemented", `no such method: ${segments.join("/")} (the proxy serves ${AGENT_SERVICE_NAME}/<Method>)`);
  const agent = getAgentRecord(agentId);
  if (!agent) return connectError(404, "not_found", `no agent with id ${JSON.stringify(agentId)}`);
  if (req.method === "GET" && method.access !== "read") return connectError(405, "unimplemented", `${method.name} changes state: send it as POST`);

  let conn;
  try {
    conn = agentConnection(agent);
  } catch (err) {
    if (err instanceof ConnectError) return connectError(statusForConnectCode(err.code), connectCodeName(err.code), err.rawMessage);
    throw err;
  }

  const action = AUDIT_ACTIONS[method.name];
  let body: ReadableStream<Uint8Array> | Uint8Array | null = req.method === "GET" ? null : req.body;
  let target: string | null = null;
  const desc = AgentService.methods.find((m) => m.name === method.name)!;
  if (action && desc.methodKind === "unary" && req.method === "POST") {
    const buffered = await readCapped(req.body, MAX_BUFFERED_WRITE_BYTES);
    if (!buffered) return connectError(413, "resource_exhausted", `${method.name} requests are limited to ${MAX_BUFFERED_WRITE_BYTES} bytes`);
    body = buffered;
    target = targetFromRequest(desc.input, req.headers.get("content-type") ?? "", buffered);
  }
  const recorder = action ? new RpcOutcomeRecorder() : null;
  const releaseSlot = desc.methodKind === "server_streaming" ? takeStreamSlot(auth.user.id) : () => {};
  if (!releaseSlot) {
    return streamError(req, "resource_exhausted", `${auth.user.username} has ${getConfig().maxStreamsPerUser} live streams open (logs, charts) already: close some before opening more`);
  }

  try {
    return await forwardToAgent(conn, {
      method: req.method === "GET" ? "GET" : "POST",
      path: `/${AGENT_SERVICE_NAME}/${method.name}${req.nextUrl.search}`,
      headers: req.headers,
      body,
      contentTypes: RPC_CONTENT_TYPES,
      signal: req.signal,
      onResponseChunk: recorder ? (c) => recorder.push(c) : undefined,
      onDone: ({ status, headers, error, cancelled }) => {
        releaseSlot();
        if (!recorder) return;
        const outcome = error || cancelled ? null : recorder.outcome(status, headers);
        auditWrite(auth, action!, agentId, target, outcome?.ok ?? false, outcome ? `${outcome.code}${outcome.message ? `: ${outcome.message}` : ""}` : cancelled ? "cancelled by the client" : `proxy error: ${error?.message}`);
      },
    });
  } catch (err) {
    releaseSlot();
    if (err instanceof AgentProxyError) {
      getLogger().warn({ agentId, method: method.name, err: err.message }, err.status === 503 ? "agent unreachable" : "agent answer refused");
      if (action) auditWrite(auth, action, agentId, target, false, err.message);
      return connectError(err.status, err.code, err.message);
    }
    throw err;
  }
}

function auditWrite(auth: Principal, action: AuditAction, agentId: string, target: string | null, ok: boolean, detail: string): void {
  audit({ actor: auth.user, address: auth.address, action, target: `${agentId}/${target ?? "?"}`, result: ok ? "ok" : "failed", detail: `via /rpc (${auth.via}): ${detail}` });
}
