import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { VarRegistry } from "./registry";

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

/** GET /debug/vars: the registry as one JSON object (auth is checked by the caller). */
export function serveDebugVars(registry: VarRegistry, req: Req, res: Res): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
    res.end("method not allowed\n");
    return;
  }
  const body = JSON.stringify(registry.snapshot(), null, 1) + "\n";
  res.writeHead(200, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(body),
  });
  if (req.method === "HEAD") res.end();
  else res.end(body);
}
