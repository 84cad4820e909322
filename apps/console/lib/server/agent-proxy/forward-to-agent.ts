import "server-only";
// A raw HTTP/2 forwarder: one browser request becomes one stream on the agent's connection.
// Bodies flow both ways as they arrive (server streams such as WatchPerf and Logs, client streams
// such as Install), with backpressure; nothing is buffered whole. When the browser goes away the
// upstream stream is cancelled (RST_STREAM CANCEL), which the agent sees as ctx.signal aborting.
import http2 from "node:http2";
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import type { AgentConnection } from "../agents/agent-connection";

/**
 * Request headers the agent needs to understand a Connect, gRPC or gRPC-Web call. Not
 * accept-encoding: compressing on a local socket gains nothing, and Next drops the response's
 * content-encoding on the way out, which left browsers parsing gzip as JSON.
 */
const FORWARDED_REQUEST_HEADERS = new Set([
  "content-type",
  "content-encoding",
  "accept",
  "connect-protocol-version",
  "connect-timeout-ms",
  "connect-content-encoding",
  "connect-accept-encoding",
  "grpc-timeout",
  "grpc-encoding",
  "grpc-accept-encoding",
  "x-grpc-web",
  "x-user-agent",
  "user-agent",
  "te",
]);

/** Hop-by-hop or recomputed by the console's own server. */
const DROPPED_RESPONSE_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "date"]);

/** Bytes buffered towards the browser before the agent's stream is paused. */
const RESPONSE_HIGH_WATER_BYTES = 256 * 1024;

export class AgentUnreachableError extends Error {}

export interface ForwardOutcome {
  /** 0 when the agent never answered. */
  status: number;
  headers: Headers;
  error?: Error;
  /** The browser went away first. */
  cancelled: boolean;
}

export interface ForwardOptions {
  method: "GET" | "POST";
  /** Path on the agent, with query: "/sysward.agent.v1.AgentService/WatchPerf". */
  path: string;
  headers: Headers;
  body: ReadableStream<Uint8Array> | Uint8Array | null;
  /** Aborts when the browser goes away. */
  signal: AbortSignal;
  /** Called once when the exchange is over, with how it ended. */
  onDone?: (outcome: ForwardOutcome) => void;
  /** Sees every response chunk (e.g. to learn a write's outcome for the audit log). */
  onResponseChunk?: (chunk: Uint8Array) => void;
}

export async function forwardToAgent(conn: AgentConnection, opts: ForwardOptions): Promise<Response> {
  const headers: http2.OutgoingHttpHeaders = {};
  opts.headers.forEach((value, key) => {
    if (FORWARDED_REQUEST_HEADERS.has(key)) headers[key] = value;
  });
  headers.authorization = `Bearer ${conn.bearer()}`;

  const hasBody = opts.method === "POST" && opts.body !== null;
  let stream: http2.ClientHttp2Stream;
  try {
    stream = await conn.sessions.request(opts.method, opts.path, headers, { endStream: !hasBody });
  } catch (err) {
    throw new AgentUnreachableError(`agent ${conn.agentId} is unreachable: ${(err as Error).message}`, { cause: err });
  }

  let finished = false;
  let status = 0;
  const out = new Headers();
  const done = (error?: Error, cancelled = false) => {
    if (finished) return;
    finished = true;
    opts.onDone?.({ status, headers: out, error, cancelled });
  };
  const cancel = () => {
    if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
    done(undefined, true);
  };
  if (opts.signal.aborted) cancel();
  else opts.signal.addEventListener("abort", cancel, { once: true });
  stream.once("close", () => opts.signal.removeEventListener("abort", cancel));

  if (hasBody) {
    const source = opts.body instanceof Uint8Array ? Readable.from([opts.body]) : Readable.fromWeb(opts.body as NodeWebReadableStream<Uint8Array>);
    // pipe() honours the h2 stream's flow control: the browser's upload is read only as fast
    // as the agent accepts it.
    source.on("error", (err) => stream.destroy(err));
    stream.on("close", () => source.destroy());
    source.pipe(stream);
  }

  const responseHeaders = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
    const onError = (err: Error) => reject(new AgentUnreachableError(`agent ${conn.agentId} failed the request: ${err.message}`, { cause: err }));
    stream.once("response", (h) => {
      stream.off("error", onError);
      resolve(h);
    });
    stream.once("error", onError);
    stream.once("close", () => onError(new Error(`stream closed before a response (code ${stream.rstCode})`)));
  }).catch((err: Error) => {
    done(err);
    throw err;
  });

  status = Number(responseHeaders[":status"]);
  for (const [key, value] of Object.entries(responseHeaders)) {
    if (key.startsWith(":") || DROPPED_RESPONSE_HEADERS.has(key) || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.append(key, String(v));
  }
  // Streams must reach the browser as they are produced: no-transform keeps Next's gzip away.
  out.set("cache-control", "no-store, no-transform");

  let ended = false;
  // Set when the reader cancels: the h2 stream may still emit data/end afterwards, and a
  // closed controller throws on enqueue/close.
  let readerGone = false;
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        stream.on("data", (chunk: Buffer) => {
          conn.sessions.notifyResponseByteRead(stream);
          if (readerGone) return;
          const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          opts.onResponseChunk?.(bytes);
          controller.enqueue(bytes);
          if ((controller.desiredSize ?? 0) <= 0) stream.pause();
        });
        stream.once("end", () => {
          ended = true;
          done();
          if (!readerGone) controller.close();
        });
        stream.once("close", () => {
          if (ended) return;
          // Reset or cancelled before a clean end: a reader must see a broken stream, not a short one.
          const err = new Error(`agent ${conn.agentId} stream ended early (${opts.signal.aborted ? "the client went away" : `reset, code ${stream.rstCode}`})`);
          done(err, opts.signal.aborted);
          try {
            controller.error(err);
          } catch {
            /* the reader already cancelled */
          }
        });
        stream.on("error", () => {
          /* reported by "close" above */
        });
      },
      pull() {
        stream.resume();
      },
      cancel() {
        readerGone = true;
        cancel();
      },
    },
    { highWaterMark: RESPONSE_HIGH_WATER_BYTES, size: (chunk) => chunk.byteLength },
  );

  return new Response(body, { status, headers: out });
}
