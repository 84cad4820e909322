// @ts-check
// The console's HTTP server, with Next's request handler inside (scripts/start.mjs) or a test's.
// Two jobs that Next's own server does not do:
//  - forwarded-header hygiene: Next keeps any X-Forwarded-For a client sends, and the login
//    throttle keys on the client's address. Unless SYSWARD_TRUST_PROXY=1 says a reverse proxy in
//    front sets these headers, the client's own are dropped and X-Forwarded-For becomes the
//    socket's peer address;
//  - timeouts: a client that trickles its headers or body holds a socket and a request for as
//    long as it likes unless the server cuts it off. Headers must arrive within
//    SYSWARD_HEADERS_TIMEOUT_SECONDS and a whole request within SYSWARD_REQUEST_TIMEOUT_SECONDS —
//    except package uploads, which take as long as a large file takes: they are cut off only
//    when their body stops arriving for SYSWARD_UPLOAD_IDLE_SECONDS.
// It also offers each request to `early` first (the agent proxy's, registered by
// instrumentation.ts: lib/server/agent-proxy/proxy-node-routes.ts), after the two jobs above,
// so those answers skip Next's router.
import { createServer } from "node:http";

/** Routes whose bodies are large files: an idle timeout instead of a deadline. */
const UPLOAD_PATH = /^\/api\/agents\/[^/?#]+\/upload(?:[?#]|$)/;
const FORWARDED = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-real-ip"];
/** What Node itself answers a request that ran out of time with. */
const REQUEST_TIMEOUT_RESPONSE = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

/**
 * @typedef {object} ConsoleServerOptions
 * @property {boolean} trustProxy Keep the client's X-Forwarded-* headers (a reverse proxy sets them).
 * @property {number} headersTimeoutMs Time from a connection's first byte (or its previous request) to the end of the headers.
 * @property {number} requestTimeoutMs Time to receive a whole request, body included (uploads excepted).
 * @property {number} uploadIdleMs How long an upload's body may stop arriving before the upload is dropped.
 */

/**
 * @param {Record<string, string | undefined>} env
 * @returns {ConsoleServerOptions}
 */
export function consoleServerOptions(env = process.env) {
  const seconds = (/** @type {string} */ key, /** @type {number} */ fallback) => {
    const raw = env[key];
    if (raw === undefined || raw === "") return fallback * 1000;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${key}=${JSON.stringify(raw)} must be a number of seconds > 0`);
    return Math.ceil(n * 1000);
  };
  return {
    trustProxy: /^(1|true|yes)$/i.test(env.SYSWARD_TRUST_PROXY ?? ""),
    headersTimeoutMs: seconds("SYSWARD_HEADERS_TIMEOUT_SECONDS", 20),
    requestTimeoutMs: seconds("SYSWARD_REQUEST_TIMEOUT_SECONDS", 60),
    uploadIdleMs: seconds("SYSWARD_UPLOAD_IDLE_SECONDS", 60),
  };
}

/**
 * Answers a request and says true, or says false and leaves it to Next.
 * @typedef {(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => boolean} EarlyRoutes
 */

const EARLY_ROUTES = Symbol.for("sysward.console.nodeRoutes");

/**
 * The routes instrumentation.ts registers (code Next compiled, sharing its module state: the DB,
 * sessions, agent connections). Next runs instrumentation after prepare() has returned, on its
 * first request, so they are looked up per request; until then Next's own route files answer.
 * @type {EarlyRoutes}
 */
export const registeredEarlyRoutes = (req, res) => {
  const routes = /** @type {Record<symbol, EarlyRoutes | undefined>} */ (/** @type {unknown} */ (globalThis))[EARLY_ROUTES];
  return routes ? routes(req, res) : false;
};

/**
 * @param {(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => unknown} handle
 * @param {ConsoleServerOptions} options
 * @param {EarlyRoutes} [early] Asked first; what it does not take goes to `handle`.
 * @returns {import("node:http").Server}
 */
export function createConsoleServer(handle, options, early) {
  const { trustProxy, headersTimeoutMs, requestTimeoutMs, uploadIdleMs } = options;
  return createServer(
    // Node checks headersTimeout on this interval (30 s by default): a slow client would get up to
    // that much more time.
    { connectionsCheckingInterval: Math.min(1000, headersTimeoutMs), headersTimeout: headersTimeoutMs, requestTimeout: 0 },
    (req, res) => {
      if (!trustProxy) {
        for (const h of FORWARDED) delete req.headers[h];
        req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "unknown";
      }
      // Node's own requestTimeout cannot spare one route, so both limits are kept here instead.
      if (req.method === "POST" && UPLOAD_PATH.test(req.url ?? "")) dropWhenIdle(req, res, uploadIdleMs);
      else dropWhenLate(req, res, requestTimeoutMs);
      if (early?.(req, res)) return;
      void handle(req, res);
    },
  );
}

/**
 * @param {import("node:http").IncomingMessage} req
 * @param {import("node:http").ServerResponse} res
 */
function drop(req, res) {
  const socket = req.socket;
  if (!res.headersSent && socket.writable) socket.write(REQUEST_TIMEOUT_RESPONSE);
  socket.destroy();
}

/**
 * @param {import("node:http").IncomingMessage} req
 * @param {import("node:http").ServerResponse} res
 * @param {number} ms
 */
function dropWhenLate(req, res, ms) {
  const timer = setTimeout(() => {
    if (!req.complete) drop(req, res);
  }, ms);
  res.once("close", () => clearTimeout(timer));
}

/**
 * @param {import("node:http").IncomingMessage} req
 * @param {import("node:http").ServerResponse} res
 * @param {number} ms
 */
function dropWhenIdle(req, res, ms) {
  const socket = req.socket;
  let seen = socket.bytesRead;
  let since = Date.now();
  const timer = setInterval(
    () => {
      if (req.complete) return clearInterval(timer);
      // A full request buffer means the console is the one not reading (the agent is slower than
      // the client, and backpressure stopped the socket): not the client's idleness.
      if (socket.bytesRead !== seen || req.readableLength >= req.readableHighWaterMark) {
        seen = socket.bytesRead;
        since = Date.now();
      } else if (Date.now() - since >= ms) {
        clearInterval(timer);
        drop(req, res);
      }
    },
    Math.max(50, Math.min(1000, ms / 4)),
  );
  res.once("close", () => clearInterval(timer));
}
