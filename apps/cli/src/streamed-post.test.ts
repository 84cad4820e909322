import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { streamedPost, toFetchResponse } from "./streamed-post";

let server: http.Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function listen(handler: http.RequestListener): Promise<URL> {
  server = http.createServer(handler);
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}/up`);
}

async function* body(pieces: number, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < pieces; i++) yield new Uint8Array(size).fill(i);
}

describe("streamedPost", () => {
  it("sends the whole body with the given headers and reads the answer as it streams", async () => {
    const url = await listen((req, res) => {
      let n = 0;
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write(`{"auth":${JSON.stringify(req.headers.authorization)}}\n`);
      req.on("data", (c: Buffer) => (n += c.length));
      req.on("end", () => res.end(`{"bytes":${n}}\n`));
    });
    const post = streamedPost(url, { authorization: "Bearer t", "content-length": String(8 * 100_000) }, body(8, 100_000));
    const res = await post.response;
    let text = "";
    for await (const chunk of res) text += chunk;
    await post.sent;
    expect(text).toBe('{"auth":"Bearer t"}\n{"bytes":800000}\n');
  });

  it("delivers an early refusal even though the rest of the body can no longer be sent", async () => {
    const url = await listen((req, res) => {
      res.writeHead(413, { "content-type": "application/json", connection: "close" });
      res.end('{"error":"too large"}');
      req.destroy();
    });
    const post = streamedPost(url, { "content-length": String(64 * 1024 * 1024) }, body(1024, 64 * 1024));
    const res = await toFetchResponse(await post.response);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: "too large" });
  });

  it("stops when its signal aborts", async () => {
    const url = await listen(() => {
      /* never answers */
    });
    const ac = new AbortController();
    const post = streamedPost(url, {}, body(1, 10), ac.signal);
    ac.abort();
    await expect(post.response).rejects.toMatchObject({ name: "AbortError" });
  });
});
