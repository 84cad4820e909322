// The only file that knows about HTTP/2 and the Unix socket. Connect, gRPC and gRPC-Web
// share one h2c server on a socket that only the agent's user can open (0600 in a 0700 dir).
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { Logger } from "../logger";
import { DEFAULT_TLS_LISTENER_LIMITS, guardTlsListener, type TlsListenerLimits } from "./tls-listener-guard";

const STREAM_WINDOW_BYTES = 4 * 1024 * 1024;
const CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024;

export interface AgentServerOptions {
  socketPath: string;
  routes: (router: ConnectRouter) => void;
  interceptors: Interceptor[];
  /** Checks the Authorization header of plain HTTP paths (RPCs are checked by an interceptor). */
  isAuthorized: (authorization: string | undefined) => boolean;
  /** Plain HTTP paths next to the RPCs, e.g. /debug/vars. */
  httpRoutes: Record<string, (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void>;
  logger: Logger;
  /** Opt-in TCP listener: TLS 1.3, client certificate required (mTLS), and the token as everywhere. */
  tcp?: TcpListenOptions;
}

export interface TlsMaterial {
  /** PEM: the agent's certificate chain and key, the CA that client certificates must chain to, optional CRL. */
  cert: string;
  key: string;
  clientCa: string;
  crl?: string;
}

export interface TcpListenOptions extends TlsMaterial {
  host: string;
  port: number;
  limits?: TlsListenerLimits;
}

export interface AgentServer {
  /** The TCP address actually bound (port 0 picks one), when a TCP listener is on. */
  tcpAddress?: AddressInfo;
  /** New certificate, key or CRL for the TCP listener: new connections use them, open ones go on. */
  reloadTls(tls: TlsMaterial): void;
  /** Ends streams (their handlers see ctx.signal abort), closes sessions, removes the socket. */
  close(graceMs?: number): Promise<void>;
}

function secureContextOptions(t: TlsMaterial) {
  return { cert: t.cert, key: t.key, ca: t.clientCa, crl: t.crl };
}

/** Removes a socket left by a crashed agent. Only ever a socket: never deletes another kind of file. */
function removeStaleSocket(path: string): void {
  try {
    const st = lstatSync(path);
    if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/**
 * connect-node waits for a backpressured response's "drain" or "error" before it writes more.
 * A client that vanishes (connection dropped, stream reset) brings neither, only "close", so a
 * streaming handler would wait forever, holding its generator and what that keeps open — a Logs
 * follower kept its log file open (found by reliability/stream-churn.integration.test.ts). An
 * early close becomes the error connect-node reads as "the client hung up" (Code.Aborted,
 * which it drops quietly); the handler's generator is then closed and its finally blocks run.
 */
function failPendingWriteOnClose(res: http2.Http2ServerResponse): void {
  res.once("close", () => {
    if (res.writableEnded || res.listenerCount("error") === 0) return;
    res.emit("error", Object.assign(new Error("the client went away mid-response"), { code: "ERR_HTTP2_INVALID_STREAM" }));
  });
}

export async function startAgentServer(opts: AgentServerOptions): Promise<AgentServer> {
  const shutdown = new AbortController();
  const adapter = connectNodeAdapter({
    routes: opts.routes,
    interceptors: opts.interceptors,
    shutdownSignal: shutdown.signal,
    fallback(req, res) {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      const route = opts.httpRoutes[path];
      if (!opts.isAuthorized(req.headers.authorization)) {
        res.writeHead(401, { "content-type": "text/plain; charset=utf-8", "www-authenticate": "Bearer" });
        res.end("missing or wrong bearer token\n");
        return;
      }
      if (!route) {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
        res.end("not found\n");
        return;
      }
      route(req as http2.Http2ServerRequest, res as http2.Http2ServerResponse);
    },
  });

  const handler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    failPendingWriteOnClose(res);
    adapter(req, res);
  };
  // Larger HTTP/2 flow-control windows than the 64 KiB default: an upload's chunks then arrive
  // without a WINDOW_UPDATE round trip every 64 KiB (bench: receive stage ~20 % faster). Memory
  // stays bounded by the windows, per stream and per connection.
  const server = http2.createServer({ settings: { initialWindowSize: STREAM_WINDOW_BYTES } }, handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  const track = (srv: http2.Http2Server | http2.Http2SecureServer) => {
    srv.on("session", (s: http2.ServerHttp2Session) => {
      sessions.add(s);
      s.once("connect", () => s.setLocalWindowSize(CONNECTION_WINDOW_BYTES));
      s.on("close", () => sessions.delete(s));
    });
    srv.on("sessionError", (err: Error) => opts.logger.warn({ err }, "http2 session error"));
  };
  track(server);

  removeStaleSocket(opts.socketPath);
  // umask keeps the socket private from the instant it exists; chmod makes the mode explicit.
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.socketPath, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  chmodSync(opts.socketPath, 0o600);
  opts.logger.info({ socket: opts.socketPath }, "serving Connect, gRPC and gRPC-Web on the Unix socket");

  let tcpServer: http2.Http2SecureServer | undefined;
  let tcpAddress: AddressInfo | undefined;
  if (opts.tcp) {
    const t = opts.tcp;
    const limits = t.limits ?? DEFAULT_TLS_LISTENER_LIMITS;
    tcpServer = http2.createSecureServer(
      {
        ...secureContextOptions(t),
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: "TLSv1.3",
        settings: { initialWindowSize: STREAM_WINDOW_BYTES },
        allowHTTP1: false,
        handshakeTimeout: limits.handshakeTimeoutMs,
      },
      handler,
    );
    track(tcpServer);
    guardTlsListener(tcpServer, limits, opts.logger);
    await new Promise<void>((resolve, reject) => {
      tcpServer!.once("error", reject);
      tcpServer!.listen(t.port, t.host, () => {
        tcpServer!.off("error", reject);
        resolve();
      });
    });
    tcpAddress = tcpServer.address() as AddressInfo;
    opts.logger.info({ address: tcpAddress }, "serving over TCP with mutual TLS (client certificate and token required)");
  }

  return {
    tcpAddress,
    reloadTls(tls) {
      if (!tcpServer) throw new Error("no TCP listener to reload");
      tcpServer.setSecureContext({ ...secureContextOptions(tls), minVersion: "TLSv1.3" });
    },
    async close(graceMs = 3000) {
      shutdown.abort();
      const closing = [new Promise<void>((resolve) => server.close(() => resolve()))];
      if (tcpServer) closing.push(new Promise<void>((resolve) => tcpServer!.close(() => resolve())));
      const closed = Promise.all(closing);
      for (const s of sessions) s.close();
      const timer = setTimeout(() => {
        for (const s of sessions) s.destroy();
      }, graceMs);
      await closed;
      clearTimeout(timer);
      try {
        unlinkSync(opts.socketPath);
      } catch {
        /* already gone */
      }
    },
  };
}
