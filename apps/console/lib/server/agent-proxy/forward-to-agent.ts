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

/**
 * Response headers the browser gets from the agent: the protocols' own (Connect's unary trailers
 * travel as trailer-*). Anything else an agent says — set-cookie, location, its own CSP — would
 * be said by the console's origin, so an agent, or whoever holds its key, could set cookies on it.
 */
const FORWARDED_RESPONSE_HEADER = /^(grpc-|connect-|trailer-)/;

/** What an RPC answer may be: Connect, gRPC or gRPC-Web, in any codec. */
export const RPC_CONTENT_TYPES = /^application\/(proto|json|connect\+[a-z0-9.-]+|grpc(-web(-text)?)?(\+[a-z0-9.-]+)?)$/;

/** One media type with parameters and nothing else: browsers act on the last of a comma list. */
const CONTENT_TYPE = /^\s*([a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+)\s*(;\s*[a-z0-9!#$&^_.+-]+=(?:[a-z0-9!#$&^_.+-]+|"[^"\\,]*")\s*)*$/i;

/** Never rendered or run by a browser: for the agent's answers that carry no type. */
const UNTYPED = "application/octet-stream";

/** The content type to pass on, or null when the agent's is not one the caller forwards. */
function forwardedContentType(value: string | undefined, allowed: RegExp): string | null {
  if (value === undefined || value.trim() === "") return UNTYPED;
  const m = CONTENT_TYPE.exec(value);
  return m && allowed.test(m[1]!.toLowerCase()) ? value.trim() : null;
}

/** Bytes buffered towards the browser before the agent's stream is paused. */
const RESPONSE_HIGH_WATER_BYTES = 256 * 1024;

/** The exchange with the agent failed; status and code are what the browser is told. */
export class AgentProxyError extends Error {
  constructor(
    message: string,
    readonly status: 502 | 503,
    readonly code: "internal" | "unavailable",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class AgentUnreachableError extends AgentProxyError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 503, "unavailable", options);
  }
}

/** The agent answered with something the console does not pass to a browser. */
export class AgentAnswerRefusedError extends AgentProxyError {
  constructor(message: string) {
    super(message, 502, "internal");
  }
}

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
  /** Media types the answer may have (anything else is refused), e.g. RPC_CONTENT_TYPES. */
  contentTypes: RegExp;
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
  const contentType = forwardedContentType(responseHeaders["content-type"], opts.contentTypes);
  if (contentType === null) {
    const err = new AgentAnswerRefusedError(`agent ${conn.agentId} answered with content-type ${JSON.stringify(responseHeaders["content-type"])}, which the console does not pass on`);
    if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
    done(err);
    throw err;
  }
  for (const [key, value] of Object.entries(responseHeaders)) {
    if (!FORWARDED_RESPONSE_HEADER.test(key) || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.append(key, String(v));
  }
  out.set("content-type", contentType);
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
