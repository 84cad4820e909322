import type http2 from "node:http2";
import type { Socket } from "node:net";
import type { Logger } from "../logger";
import { RateLimitedLog } from "./rate-limited-log";

// The TCP listener faces whoever can reach its port, certificate or not. A TLS handshake costs
// the agent CPU and memory before it knows who is calling, so: at most `maxConnections` open
// connections, at most `maxHandshakes` of them still handshaking (the rest are closed at once),
// a handshake that takes longer than `handshakeTimeoutMs` is dropped, and refusals are logged at
// a rate, never a line per connection.

export interface TlsListenerLimits {
  /** SYSWARD_TLS_MAX_CONNECTIONS (256). */
  maxConnections: number;
  /** SYSWARD_TLS_MAX_HANDSHAKES (32). */
  maxHandshakes: number;
  /** SYSWARD_TLS_HANDSHAKE_TIMEOUT_SECONDS (10), in ms. */
  handshakeTimeoutMs: number;
}

export const DEFAULT_TLS_LISTENER_LIMITS: TlsListenerLimits = { maxConnections: 256, maxHandshakes: 32, handshakeTimeoutMs: 10_000 };

export function guardTlsListener(server: http2.Http2SecureServer, limits: TlsListenerLimits, logger: Logger): void {
  server.maxConnections = limits.maxConnections;
  // Raw TCP sockets still in their handshake, by peer address and port (the TLS socket that wraps
  // one reports the same peer, which links the two without Node internals).
  const handshaking = new Map<string, Socket>();
  const peer = (s: Socket) => `${s.remoteAddress}:${s.remotePort}`;
  const refused = new RateLimitedLog((count, why) => logger.warn({ count, why }, "TCP connections refused"));
  const failed = new RateLimitedLog((count, err) => logger.info({ count, err }, "TLS clients refused"));
  server.on("drop", () => refused.event(`more than ${limits.maxConnections} connections`));
  server.on("connection", (socket: Socket) => {
    if (handshaking.size >= limits.maxHandshakes) {
      refused.event(`more than ${limits.maxHandshakes} TLS handshakes at once`);
      socket.destroy();
      return;
    }
    const key = peer(socket);
    handshaking.set(key, socket);
    socket.once("close", () => {
      if (handshaking.get(key) === socket) handshaking.delete(key);
    });
  });
  server.on("secureConnection", (tls: Socket) => handshaking.delete(peer(tls)));
  server.on("tlsClientError", (err: Error) => failed.event(err.message));
}
