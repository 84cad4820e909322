// POST with a streamed body through node:http(s), not fetch: Node 20's fetch keeps every chunk of
// a streamed request body alive until the request ends (measured: a 150 MB upload grew the
// process by 150 MB), while http.request + pipeline keeps memory flat with real backpressure.
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export interface StreamedPost {
  /** Resolves when the response's headers arrive, which may be before the body is all sent. */
  response: Promise<IncomingMessage>;
  /** Settles when the body is sent (or fails: the error is the reason the upload stopped). */
  sent: Promise<void>;
}

export function streamedPost(url: URL, headers: Record<string, string>, body: AsyncIterable<Uint8Array>, signal?: AbortSignal): StreamedPost {
  const request = (url.protocol === "https:" ? https : http).request(url, { method: "POST", headers, signal });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    request.once("response", resolve);
    request.once("error", reject);
  });
  const sent = pipeline(Readable.from(body, { objectMode: false, highWaterMark: 256 * 1024 }), request);
  // Whoever awaits `response` sees a failure there; an early answer (e.g. 413) makes the rest of
  // the body moot, so neither promise may be left rejected and unhandled.
  sent.catch(() => {});
  response.catch(() => {});
  return { response, sent };
}

/** The whole (small) body of an error answer as a fetch Response, for errorFromResponse. */
export async function toFetchResponse(res: IncomingMessage): Promise<Response> {
  const chunks: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers.set(k, v);
  const status = res.statusCode ?? 500;
  return new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? "", headers });
}
