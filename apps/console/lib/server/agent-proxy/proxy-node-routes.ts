import "server-only";
// The agent proxy's paths — /agents/<id>/debug/vars, /agents/<id>/metrics and
// /rpc/<id>/<Service>/<Method> — answered by the console's own node:http server before Next's
// router (scripts/console-server.mjs asks here first; instrumentation.ts registers this table
// once the Next server has started). Through Next's router and its React server runtime the
// proxy did ~770 req/s at 50 connections on 2 cores (p99 171 ms) against ~6 700 at the agent
// itself. Same code as the route files: the handlers below are theirs (auth, roles, origin
// rules, audit, stream quotas, errors); this adds only the request/response conversion and the
// security headers next.config.ts gives every other answer. Anything not exactly one of these
// paths and methods (HEAD, other methods, encoded or odd segments) is left to Next.
import type { IncomingMessage, ServerResponse } from "node:http";
import { NextRequest } from "next/server";
import { HTTPS_ONLY_HEADER, securityHeaders } from "../../shared/security-headers";
import { getLogger } from "../log";
import { agentPageOptions, handleAgentGet, type AgentPage } from "./handle-agent-get";
import { handleRpc, rpcOptions } from "./handle-rpc";

/** Answers the request if it is one of the proxy's; false leaves it to the next handler. */
export type NodeRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

type Answer = (req: NextRequest) => Response | Promise<Response>;

/** A path segment taken as it is: no percent-encoding to decode, no dot segment to resolve. */
const SEGMENT = "(?!\\.{1,2}(?:[/?]|$))[A-Za-z0-9._~-]+";
const AGENT_PAGE_PATH = new RegExp(`^/agents/(${SEGMENT})/(debug/vars|metrics)(?:\\?|$)`);
const RPC_PATH = new RegExp(`^/rpc/(${SEGMENT})((?:/${SEGMENT})+)(?:\\?|$)`);

/** The handler for this method and path, exactly as the route files would pick it, or null. */
function route(method: string | undefined, url: string): Answer | null {
  let m = AGENT_PAGE_PATH.exec(url);
  if (m) {
    const agentId = m[1]!;
    const page = `/${m[2]!}` as AgentPage;
    if (method === "GET") return (req) => handleAgentGet(req, agentId, page);
    if (method === "OPTIONS") return agentPageOptions;
    return null;
  }
  m = RPC_PATH.exec(url);
  if (m) {
    const agentId = m[1]!;
    const segments = m[2]!.slice(1).split("/");
    if (method === "GET" || method === "POST") return (req) => handleRpc(req, agentId, segments);
    if (method === "OPTIONS") return rpcOptions;
  }
  return null;
}

const SECURITY_HEADERS = securityHeaders(false).map(({ key, value }) => [key.toLowerCase(), value] as const);

/** The request as Next hands it to a route handler: headers, streamed body, a signal that aborts when the client goes away. */
function toNextRequest(req: IncomingMessage, signal: AbortSignal): NextRequest {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(key, v);
    else headers.set(key, value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const init = { method: req.method, headers, body: hasBody ? req : null, duplex: "half", signal };
  return new NextRequest(`http://${req.headers.host || "localhost"}${req.url}`, init as unknown as ConstructorParameters<typeof NextRequest>[1]);
}

async function send(req: IncomingMessage, res: ServerResponse, out: Response): Promise<void> {
  for (const [key, value] of SECURITY_HEADERS) res.setHeader(key, value);
  if (req.headers["x-forwarded-proto"] === "https") res.setHeader(HTTPS_ONLY_HEADER.key.toLowerCase(), HTTPS_ONLY_HEADER.value);
  out.headers.forEach((value, key) => {
    if (key !== "set-cookie") res.setHeader(key, value);
  });
  const cookies = out.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  res.statusCode = out.status;
  if (!out.body) {
    res.end();
    return;
  }
  const reader = out.body.getReader();
  const stopReading = () => void reader.cancel().catch(() => {});
  res.once("close", stopReading);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // Backpressure: the agent's stream is read only as fast as the client takes it.
      if (!res.write(value)) await new Promise((r) => (res.once("drain", r), res.once("close", r)));
      if (res.destroyed) return;
    }
    res.end();
  } catch {
    // The agent's stream broke mid-answer: the client must see a broken answer, not a short one.
    res.destroy();
  } finally {
    res.off("close", stopReading);
  }
}

async function answer(req: IncomingMessage, res: ServerResponse, handler: Answer): Promise<void> {
  const abort = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  let out: Response;
  try {
    out = await handler(toNextRequest(req, abort.signal));
  } catch (err) {
    // What Next does with a route handler that throws: log it, answer 500 with nothing said.
    getLogger().error({ err, path: req.url?.split("?")[0] }, "agent proxy route failed");
    if (!res.headersSent) {
      for (const [key, value] of SECURITY_HEADERS) res.setHeader(key, value);
      res.writeHead(500).end();
    } else res.destroy();
    return;
  }
  await send(req, res, out);
}

export const proxyNodeRoutes: NodeRoutes = (req, res) => {
  const handler = route(req.method, req.url ?? "");
  if (!handler) return false;
  void answer(req, res, handler);
  return true;
};

const KEY = Symbol.for("sysward.console.nodeRoutes");

/** Makes the table visible to scripts/console-server.mjs (which Next does not compile). */
export function registerProxyNodeRoutes(): void {
  (globalThis as { [KEY]?: NodeRoutes })[KEY] = proxyNodeRoutes;
}
