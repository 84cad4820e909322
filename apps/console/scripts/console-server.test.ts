// The console's HTTP server (console-server.mjs, what scripts/start.mjs runs) on a real port, with
// the real login and upload routes behind it and a REAL agent: clients that trickle their headers
// or a small body are cut off; an upload that keeps sending, however long it takes, is not, nor
// one the console itself is slow to read; an upload whose body stops arriving is dropped.
import { once } from "node:events";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as loginRoute from "@/app/api/auth/login/route";
import * as uploadRoute from "@/app/api/agents/[agentId]/upload/route";
import { buildZip } from "../../agent/src/install/testing/zip-builder";
import type { TestAgent } from "../../agent/src/rpc/testing/start-test-agent";
import { waitFor } from "../../agent/src/runtime/testing/wait-for";
import { createSession } from "../lib/server/auth/sessions";
import { createUser } from "../lib/server/auth/users";
import { agentLacksService, setupConsoleTestEnv } from "../lib/server/testing/console-test-env";
import { routesHandler } from "../lib/server/testing/route-server";
import { streamedMultipart } from "../lib/server/testing/streamed-zip";
import { consoleServerOptions, createConsoleServer } from "./console-server.mjs";

const env = setupConsoleTestEnv();
const HEADERS_MS = 1000;
const REQUEST_MS = 1500;
const UPLOAD_IDLE_MS = 1000;
let agent: TestAgent;
let admin: string;
let server: http.Server;
let port: number;

const routes = routesHandler([
  { method: "POST", path: /^\/api\/auth\/login$/, handle: (req) => loginRoute.POST(req) },
  {
    // Reads its body the way the upload route does (from the NextRequest), but its first reads
    // are slower than the client sends: pauses longer than the idle timeout (a slow agent).
    method: "POST",
    path: /^\/api\/agents\/slow-reader\/upload$/,
    async handle(req) {
      let bytes = 0;
      let reads = 0;
      for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.byteLength;
        if (++reads <= 3) await new Promise((r) => setTimeout(r, UPLOAD_IDLE_MS * 1.5));
      }
      return Response.json({ bytes });
    },
  },
  { method: "POST", path: /^\/api\/agents\/([^/]+)\/upload$/, handle: (req, m) => uploadRoute.POST(req, { params: Promise.resolve({ agentId: m[1]! }) }) },
]);

beforeAll(async () => {
  agent = await env.startAgent();
  admin = createSession((await createUser({ username: "admin1", password: "admin password", role: "admin" })).id, null).id;
  const options = consoleServerOptions({
    SYSWARD_HEADERS_TIMEOUT_SECONDS: String(HEADERS_MS / 1000),
    SYSWARD_REQUEST_TIMEOUT_SECONDS: String(REQUEST_MS / 1000),
    SYSWARD_UPLOAD_IDLE_SECONDS: String(UPLOAD_IDLE_MS / 1000),
  });
  server = createConsoleServer(routes, options);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await env.cleanup();
});

const origin = () => `http://127.0.0.1:${port}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw connection that writes `pieces` one every `everyMs`; resolves when the server closes it. */
async function trickle(pieces: string[], everyMs: number): Promise<{ closedAfterMs: number; answer: string; sentAll: boolean }> {
  const socket = net.connect(port, "127.0.0.1");
  await once(socket, "connect");
  const started = Date.now();
  let answer = "";
  let closed = false;
  socket.on("data", (d: Buffer) => (answer += d.toString()));
  socket.on("error", () => {});
  const gone = new Promise<void>((r) => socket.once("close", () => ((closed = true), r())));
  let sent = 0;
  for (const piece of pieces) {
    if (closed) break;
    socket.write(piece);
    sent++;
    await sleep(everyMs);
  }
  const sentAll = sent === pieces.length;
  await Promise.race([gone, sleep(5000)]);
  socket.destroy();
  return { closedAfterMs: closed ? Date.now() - started : Infinity, answer, sentAll };
}

/** A multipart upload of a real service ZIP, as bytes. */
async function uploadBody(name: string): Promise<{ body: Buffer; contentType: string }> {
  const zip = buildZip([{ name, data: Buffer.from("#!/bin/sh\nexec sleep 600\n"), mode: 0o100755 }]);
  const zipBody = { size: zip.length, stream: () => new Response(new Uint8Array(zip)).body! };
  const multipart = streamedMultipart([["name", name], ["healthSeconds", "0"]], { field: "package", filename: "p.zip", contentType: "application/zip", body: zipBody });
  return { body: Buffer.from(await new Response(multipart.stream()).arrayBuffer()), contentType: multipart.contentType };
}

/** POSTs `body` in `pieces`, one every `everyMs` (and a pause of `stallMs` after the first half). */
function postInPieces(path: string, body: Buffer, contentType: string, o: { pieces: number; everyMs: number; stallMs?: number }) {
  const req = http.request({
    host: "127.0.0.1",
    port,
    path,
    method: "POST",
    headers: { "content-type": contentType, "content-length": body.length, origin: origin(), cookie: `sysward_session=${admin}` },
  });
  const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.once("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.once("end", () => resolve({ status: res.statusCode!, text }));
      res.once("error", reject);
      res.once("aborted", () => reject(new Error(`response cut off after ${JSON.stringify(text)}`)));
    });
    req.once("error", reject);
  });
  const started = Date.now();
  void (async () => {
    const size = Math.ceil(body.length / o.pieces);
    for (let i = 0; i < o.pieces; i++) {
      if (req.destroyed) return;
      req.write(body.subarray(i * size, (i + 1) * size));
      await sleep(i === Math.floor(o.pieces / 2) && o.stallMs ? o.stallMs : o.everyMs);
    }
    req.end();
  })();
  return { answered, started };
}

describe("the console's HTTP server", () => {
  it("cuts off a client that sends its headers slowly (slowloris), with 408", async () => {
    const headers = ["POST /api/auth/login HTTP/1.1\r\n", "Host: 127.0.0.1\r\n", ..."X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".split(""), "\r\n\r\n"];
    const r = await trickle(headers, 100); // ~5 s of headers, one byte at a time
    expect(r.sentAll).toBe(false);
    expect(r.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(HEADERS_MS - 100);
    expect(r.closedAfterMs).toBeLessThan(HEADERS_MS + 1500);
  });

  it("cuts off a small request whose body trickles in past the request timeout", async () => {
    const json = JSON.stringify({ username: "admin1", password: "admin password" });
    const head = `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${origin()}\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n`;
    const r = await trickle([head, ...json.split("")], 100); // headers at once, then ~4 s of body
    expect(r.sentAll).toBe(false);
    expect(r.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_MS - 100);
    expect(r.closedAfterMs).toBeLessThan(REQUEST_MS + 1500);
  });

  it("answers a request that arrives in time, and keeps the connection for the next", async () => {
    const login = () => fetch(`${origin()}/api/auth/login`, { method: "POST", headers: { origin: origin(), "content-type": "application/json" }, body: JSON.stringify({ username: "admin1", password: "admin password" }) });
    expect((await login()).status).toBe(200);
    await sleep(REQUEST_MS + 500); // an idle keep-alive connection is not a late request
    expect((await login()).status).toBe(200);
  });

  it("lets an upload that keeps sending run well past the request timeout, to an installed service", async () => {
    const { body, contentType } = await uploadBody("steadyupload");
    const { answered, started } = postInPieces("/api/agents/local/upload", body, contentType, { pieces: 16, everyMs: UPLOAD_IDLE_MS / 4 });
    const { status, text } = await answered;
    expect(Date.now() - started).toBeGreaterThan(REQUEST_MS * 2);
    expect(status).toBe(200);
    expect(JSON.parse(text.trimEnd().split("\n").at(-1)!)).toMatchObject({ type: "result", ok: true, service: { name: "steadyupload", state: "running" } });
    await agent.client().remove({ name: "steadyupload" });
  });

  it("drops an upload whose body stops arriving for the idle timeout; the agent installs nothing", async () => {
    const { body, contentType } = await uploadBody("stalledupload");
    const { answered, started } = postInPieces("/api/agents/local/upload", body, contentType, { pieces: 8, everyMs: 100, stallMs: 10_000 });
    // 408 when the console had not answered yet, a cut-off answer when it had (phases stream early).
    const outcome = await answered.then(({ status }) => status, () => "cut off");
    expect([408, "cut off"]).toContain(outcome);
    expect(Date.now() - started).toBeLessThan(UPLOAD_IDLE_MS + 2500);
    await waitFor(() => agentLacksService(agent, "stalledupload"), "the agent to have no stalledupload");
  });

  it("does not drop an upload the console itself reads slower than the idle timeout", async () => {
    const body = Buffer.alloc(4 * 1024 * 1024, 1); // more than the socket and request buffers hold
    const { answered } = postInPieces("/api/agents/slow-reader/upload", body, "application/octet-stream", { pieces: 4, everyMs: 0 });
    const { status, text } = await answered;
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({ bytes: body.length });
  }, 60_000);

  it("reads its timeouts from the environment, with documented defaults, and refuses nonsense", () => {
    expect(consoleServerOptions({})).toEqual({ trustProxy: false, headersTimeoutMs: 20_000, requestTimeoutMs: 60_000, uploadIdleMs: 60_000 });
    expect(consoleServerOptions({ SYSWARD_UPLOAD_IDLE_SECONDS: "300", SYSWARD_TRUST_PROXY: "1" })).toMatchObject({ trustProxy: true, uploadIdleMs: 300_000 });
    expect(() => consoleServerOptions({ SYSWARD_REQUEST_TIMEOUT_SECONDS: "0" })).toThrow(/SYSWARD_REQUEST_TIMEOUT_SECONDS="0" must be a number of seconds > 0/);
  });
});
