import "server-only";
// Route modules behind a real node:http handler, handed requests the way Next hands them: the
// IncomingMessage itself as the NextRequest's body (so it streams, with backpressure), a signal
// that aborts when the client goes away, and the Response streamed back as it is produced.
import type { IncomingMessage, ServerResponse } from "node:http";
import { NextRequest } from "next/server";

export interface Route {
  method: string;
  path: RegExp;
  handle(req: NextRequest, match: RegExpExecArray): Promise<Response>;
}

export function routesHandler(routes: Route[]): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
    let match: RegExpExecArray | null = null;
    const route = routes.find((r) => r.method === req.method && (match = r.path.exec(url.pathname)));
    if (!route || !match) {
      res.writeHead(404).end();
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    const ac = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) ac.abort();
    });
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const init = { method: req.method, headers, body: hasBody ? req : null, duplex: "half", signal: ac.signal };
    let out: Response;
    try {
      out = await route.handle(new NextRequest(url, init as unknown as ConstructorParameters<typeof NextRequest>[1]), match);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500).end(String(err));
      return;
    }
    const outHeaders: Record<string, string | string[]> = {};
    out.headers.forEach((v, k) => (outHeaders[k] = v));
    const cookies = out.headers.getSetCookie();
    if (cookies.length) outHeaders["set-cookie"] = cookies;
    res.writeHead(out.status, outHeaders);
    if (!out.body) {
      res.end();
      return;
    }
    try {
      for await (const chunk of out.body as unknown as AsyncIterable<Uint8Array>) {
        if (!res.write(chunk)) await new Promise((r) => (res.once("drain", r), res.once("close", r)));
        if (res.destroyed) break;
      }
      res.end();
    } catch {
      res.destroy();
    }
  };
}
