import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { Registry } from "prom-client";

/** GET /metrics: the registry in the Prometheus text format 0.0.4 (auth is checked by the caller). */
export function serveMetrics(registry: Registry, req: Http2ServerRequest, res: Http2ServerResponse, onError: (err: unknown) => void): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
    res.end("method not allowed\n");
    return;
  }
  registry.metrics().then(
    (body) => {
      if (res.stream.destroyed) return; // the scraper gave up meanwhile
      res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
      if (req.method === "HEAD") res.end();
      else res.end(body);
    },
    (err: unknown) => {
      onError(err);
      if (res.stream.destroyed) return;
      res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(`collecting metrics failed: ${err instanceof Error ? err.message : String(err)}\n`);
    },
  );
}
