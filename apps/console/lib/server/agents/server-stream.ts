import "server-only";
// A long-lived gRPC server-streaming call on the agent's shared HTTP/2 connection, each message
// decoded and handed to a callback: the fleet monitor's WatchPerf and WatchServices, open for as
// long as a machine is watched.
//
// Why not connect-node's client for these two: each open server-streaming call there is a pipeline
// of async generators (envelope parsing, decoding, abort wiring) that stays in memory for the
// call's life. Heap snapshots of the console at 1,001 machines (bench/FINDINGS.md, "Console memory
// at 1,000 machines") put it at most of the ~140 KB of JS heap a machine cost: 464 closures, 260
// contexts, 38 generators and 60 promises per machine for the two calls. Here a call is one stream
// with five listeners and one envelope reader: in the same benchmark the heap per machine fell from
// ~140 KB to 62.5 KB (115 closures, 62 contexts, 4 generators, 19 promises, nghttp2's 24 KB
// included) and the console's RSS at 1,001 machines was 455 MB against 539 MB for the client
// (bench/FINDINGS.md, "A lean reader for the fleet monitor's two streams").
//
// It speaks gRPC as connect-node's gRPC transport does (connect's own gRPC header and status
// functions: content-type application/grpc+proto, te: trailers, its user-agent; status in trailers
// or a trailers-only answer, grpc-message percent-decoded), on the same session manager, so the
// keep-alive PINGs, reconnects and every transport (h2c on a socket, mutual TLS, SSH) are
// unchanged. It advertises no compression and refuses a compressed answer.
import http2 from "node:http2";
import { create, fromBinary, toBinary, type DescMethodServerStreaming, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { findTrailerError, requestHeader, validateResponse, validateTrailer } from "@connectrpc/connect/protocol-grpc";
import type { AgentConnection } from "./agent-connection";
import { EnvelopeReader } from "./envelope-reader";

/** A message larger than this ends the call (ResourceExhausted): the agent's are a few KB. */
export const MAX_STREAM_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface ServerStreamOptions {
  /** Aborting it cancels the call (NGHTTP2_CANCEL) and rejects with Canceled. */
  signal: AbortSignal;
  maxMessageBytes?: number;
}

/**
 * Calls `method` with `input` and hands each message to `onMessage` as it arrives. Resolves when
 * the agent ends the call with status OK; rejects with a ConnectError otherwise (an error status,
 * the connection lost, the signal aborted, `onMessage` throwing).
 */
export async function serverStream<I extends DescMessage, O extends DescMessage>(
  conn: AgentConnection,
  method: DescMethodServerStreaming<I, O>,
  input: MessageInitShape<I>,
  onMessage: (message: MessageShape<O>) => void,
  options: ServerStreamOptions,
): Promise<void> {
  const { signal } = options;
  const canceled = () => ConnectError.from(signal.reason, Code.Canceled);
  if (signal.aborted) throw canceled();
  const header = requestHeader(true, undefined, { authorization: `Bearer ${conn.bearer()}` });
  const nodeHeader: http2.OutgoingHttpHeaders = {};
  header.forEach((value, key) => (nodeHeader[key] = value));
  let stream: http2.ClientHttp2Stream;
  try {
    stream = await conn.sessions.request("POST", `/${method.parent.typeName}/${method.name}`, nodeHeader, {});
  } catch (err) {
    throw ConnectError.from(err, Code.Unavailable);
  }
  const request = toBinary(method.input, create(method.input, input));
  const envelope = Buffer.allocUnsafe(5 + request.length);
  envelope[0] = 0;
  envelope.writeUInt32BE(request.length, 1);
  envelope.set(request, 5);

  const session = stream.session;
  return new Promise<void>((resolve, reject) => {
    let responseHeader: Headers | undefined;
    let trailersOnly = false;
    let trailer: Headers | undefined;
    let settled = false;
    const reader = new EnvelopeReader(options.maxMessageBytes ?? MAX_STREAM_MESSAGE_BYTES, (flags, bytes) => {
      // No compression is offered, so a compressed message is the agent's mistake.
      if (flags !== 0) throw new ConnectError(`unexpected envelope flags ${flags}`, Code.Internal);
      onMessage(fromBinary(method.output, bytes));
    });
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      if (err === undefined) return resolve();
      const ce = err instanceof ConnectError ? err : ConnectError.from(err, Code.Internal);
      if (!stream.closed) stream.close(ce.code === Code.Canceled ? http2.constants.NGHTTP2_CANCEL : http2.constants.NGHTTP2_INTERNAL_ERROR);
      reject(ce);
    };
    const onAbort = () => finish(canceled());
    signal.addEventListener("abort", onAbort);
    if (signal.aborted) return onAbort();

    stream.on("response", (h) => {
      try {
        responseHeader = webHeaders(h);
        const found = validateResponse(Number(h[":status"] ?? 0), responseHeader);
        if (found.headerError) throw found.headerError;
        trailersOnly = found.foundStatus;
        const encoding = responseHeader.get("grpc-encoding");
        if (encoding !== null && encoding.toLowerCase() !== "identity") throw new ConnectError(`unsupported response encoding "${encoding}"`, Code.Internal);
      } catch (err) {
        finish(err);
      }
    });
    stream.on("data", (chunk: Buffer) => {
      if (settled) return;
      conn.sessions.notifyResponseByteRead(stream);
      try {
        reader.push(chunk);
      } catch (err) {
        finish(err);
      }
    });
    stream.on("trailers", (h) => (trailer = webHeaders(h)));
    stream.on("error", (err) => finish(err instanceof ConnectError ? err : ConnectError.from(err, Code.Unavailable)));
    stream.on("close", () => {
      if (settled) return;
      const rst = stream.rstCode;
      if (rst !== undefined && rst !== http2.constants.NGHTTP2_NO_ERROR) return finish(errorFromResetCode(rst));
      // A connection that goes away ends its streams' reading side too, without trailers.
      const lost = !stream.readableEnded || (!trailersOnly && !trailer && (session?.closed ?? true));
      if (!responseHeader || lost) return finish(new ConnectError("the connection closed before the call ended", Code.Unavailable));
      if (reader.partial) return finish(new ConnectError("protocol error: the stream ended inside a message", Code.Internal));
      try {
        if (trailersOnly) {
          const err = findTrailerError(responseHeader);
          if (err) throw err;
        } else {
          validateTrailer(trailer ?? new Headers(), responseHeader);
        }
        finish();
      } catch (err) {
        finish(err);
      }
    });
    stream.end(envelope);
  });
}

function webHeaders(h: http2.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [key, value] of Object.entries(h)) {
    if (key.startsWith(":") || value === undefined) continue;
    out.set(key, Array.isArray(value) ? value.join(", ") : String(value));
  }
  return out;
}

/** As connect-node maps a stream reset. */
function errorFromResetCode(rst: number): ConnectError {
  const c = http2.constants;
  const code =
    rst === c.NGHTTP2_CANCEL
      ? Code.Canceled
      : rst === c.NGHTTP2_REFUSED_STREAM
        ? Code.Unavailable
        : rst === c.NGHTTP2_ENHANCE_YOUR_CALM
          ? Code.ResourceExhausted
          : rst === c.NGHTTP2_INADEQUATE_SECURITY || rst === c.NGHTTP2_HTTP_1_1_REQUIRED
            ? Code.PermissionDenied
            : Code.Internal;
  return new ConnectError(`http/2 stream closed with error code 0x${rst.toString(16)}`, code);
}
