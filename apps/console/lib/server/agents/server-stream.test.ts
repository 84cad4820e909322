// serverStream over real HTTP/2 sockets: a real connect-node AgentService server on a Unix socket
// (what the agent runs), a bare node:http2 server for answers connect's server never gives
// (trailers-only with a message, an HTTP error, a compressed answer), and the REAL agent.
import http2 from "node:http2";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { AgentService, PerfSampleSchema, WatchPerfResponseSchema, type WatchPerfResponse } from "@sysward/proto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import { http2TargetFor, parseAgentAddress } from "./agent-address";
import type { AgentConnection } from "./agent-connection";
import { GuardedSessionManager } from "./guarded-session-manager";
import { serverStream } from "./server-stream";

const dir = mkdtempSync(join(tmpdir(), "sysward-server-stream-"));
const TOKEN = "stream-test-token";
let connectServer: http2.Http2Server;
let rawServer: http2.Http2Server;
const serverSessions = new Set<http2.ServerHttp2Session>();
/** What the connect server's WatchPerf does, set by each test. */
let watchPerf: ServiceImpl<typeof AgentService>["watchPerf"] = async function* () {};
/** What the bare server answers: its own response to each stream. */
let rawAnswer: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void = () => {};
const connections: AgentConnection[] = [];

function listen(server: http2.Http2Server, name: string): Promise<string> {
  const path = join(dir, name);
  return new Promise((resolve) => server.listen(path, () => resolve(path)));
}

function connectionTo(socketPath: string, token = TOKEN): AgentConnection {
  const target = http2TargetFor("t", parseAgentAddress(`unix://${socketPath}`), { kind: "token", token });
  const conn = { agentId: "t", baseUrl: target.url, sessions: new GuardedSessionManager(target.url, { idleConnectionTimeoutMs: 60_000, pingIntervalMs: 2000, pingTimeoutMs: 2000 }, target.options), bearer: () => token };
  connections.push(conn);
  return conn;
}

let connectSocket: string;
let rawSocket: string;

beforeAll(async () => {
  connectServer = http2.createServer(
    connectNodeAdapter({
      routes: (router) =>
        router.service(AgentService, {
          // The others answer Unimplemented, as an older agent's missing methods do.
          watchPerf: (req, ctx) => watchPerf(req, ctx),
        }),
    }),
  );
  connectServer.on("session", (s) => {
    serverSessions.add(s);
    s.on("close", () => serverSessions.delete(s));
  });
  rawServer = http2.createServer();
  rawServer.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    rawAnswer(stream, headers);
  });
  connectSocket = await listen(connectServer, "connect.sock");
  rawSocket = await listen(rawServer, "raw.sock");
});
afterEach(() => {
  for (const c of connections.splice(0)) c.sessions.abort();
});
afterAll(async () => {
  await new Promise((r) => connectServer?.close(r));
  await new Promise((r) => rawServer?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const sample = (n: number) => create(WatchPerfResponseSchema, { dropped: BigInt(n), sample: create(PerfSampleSchema, { intervalMs: 1000 + n }) });

function collect(conn: AgentConnection, signal = new AbortController().signal, maxMessageBytes?: number) {
  const got: WatchPerfResponse[] = [];
  const done = serverStream(conn, AgentService.method.watchPerf, { every: 3 }, (m) => got.push(m), { signal, maxMessageBytes });
  return { got, done };
}

async function codeOf(p: Promise<unknown>): Promise<ConnectError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
}

describe("serverStream against a connect-node AgentService server", () => {
  it("hands over every message in order, decoded, then resolves at a clean end", async () => {
    let every = -1;
    watchPerf = async function* (req) {
      every = req.every;
      for (let i = 0; i < 50; i++) yield sample(i);
    };
    const { got, done } = collect(connectionTo(connectSocket));
    await done;
    expect(every).toBe(3);
    expect(got.map((m) => Number(m.dropped))).toEqual([...Array(50).keys()]);
    expect(got[49]!.sample?.intervalMs).toBe(1049);
  });

  it("rejects with the status in the trailers, its message percent-decoded, after the messages before it", async () => {
    watchPerf = async function* () {
      yield sample(1);
      throw new ConnectError("disk on fire: 100% full, é", Code.ResourceExhausted);
    };
    const { got, done } = collect(connectionTo(connectSocket));
    const err = await codeOf(done);
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.rawMessage).toBe("disk on fire: 100% full, é");
    expect(got).toHaveLength(1);
  });

  it("rejects with Unimplemented for a method the server does not have", async () => {
    const err = await codeOf(serverStream(connectionTo(connectSocket), AgentService.method.watchServices, {}, () => {}, { signal: new AbortController().signal }));
    expect(err.code).toBe(Code.Unimplemented);
  });

  it("an abort rejects with Canceled and cancels the call at the server", async () => {
    let serverSawAbort!: () => void;
    const serverSaw = new Promise<void>((r) => (serverSawAbort = r));
    watchPerf = async function* (_req, ctx) {
      ctx.signal.addEventListener("abort", () => serverSawAbort());
      yield sample(1);
      await new Promise((r) => setTimeout(r, 30_000));
    };
    const ac = new AbortController();
    const { got, done } = collect(connectionTo(connectSocket), ac.signal);
    await expect.poll(() => got.length).toBe(1);
    ac.abort();
    expect((await codeOf(done)).code).toBe(Code.Canceled);
    await serverSaw;
  });

  it("rejects a message over the bound with ResourceExhausted", async () => {
    watchPerf = async function* () {
      yield sample(1);
      yield create(WatchPerfResponseSchema, { sample: create(PerfSampleSchema, { cores: Array.from({ length: 100 }, (_, i) => ({ id: `cpu${i}` })) }) });
    };
    const { got, done } = collect(connectionTo(connectSocket), undefined, 64);
    const err = await codeOf(done);
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(got).toHaveLength(1);
  });

  it("rejects with Unavailable when the connection drops mid-stream", async () => {
    watchPerf = async function* () {
      yield sample(1);
      await new Promise((r) => setTimeout(r, 100));
      for (const s of serverSessions) s.destroy();
      await new Promise((r) => setTimeout(r, 30_000));
    };
    const { got, done } = collect(connectionTo(connectSocket));
    const err = await codeOf(done);
    expect(err.code).toBe(Code.Unavailable);
    expect(got).toHaveLength(1);
  });
});

describe("serverStream against a bare HTTP/2 server", () => {
  const envelope = (bytes: Uint8Array, flags = 0) => {
    const b = Buffer.alloc(5 + bytes.length);
    b[0] = flags;
    b.writeUInt32BE(bytes.length, 1);
    b.set(bytes, 5);
    return b;
  };

  it("sends gRPC's request headers, the bearer token and one request envelope, and offers no compression", async () => {
    let seen: http2.IncomingHttpHeaders = {};
    let body = Buffer.alloc(0);
    rawAnswer = (stream, headers) => {
      seen = headers;
      stream.on("data", (c: Buffer) => (body = Buffer.concat([body, c])));
      stream.on("end", () => {
        stream.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
        // One message split across writes, prefix included: the reader gathers it.
        const m = envelope(toBinary(WatchPerfResponseSchema, sample(7)));
        stream.write(m.subarray(0, 3));
        stream.write(m.subarray(3, 9));
        stream.write(Buffer.concat([m.subarray(9), envelope(toBinary(WatchPerfResponseSchema, sample(8)))]));
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end();
      });
    };
    const { got, done } = collect(connectionTo(rawSocket));
    await done;
    expect(seen).toMatchObject({ ":method": "POST", ":path": "/sysward.agent.v1.AgentService/WatchPerf", "content-type": "application/grpc+proto", te: "trailers", authorization: `Bearer ${TOKEN}` });
    expect(seen["user-agent"]).toMatch(/^connect-es\//);
    expect(seen["grpc-accept-encoding"]).toBeUndefined();
    expect([...body]).toEqual([0, 0, 0, 0, 2, 8, 3]);
    expect(got.map((m) => Number(m.dropped))).toEqual([7, 8]);
  });

  it("rejects with a trailers-only answer's status and decoded message", async () => {
    rawAnswer = (stream) => stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": String(Code.NotFound), "grpc-message": "no%20such%20thing%3A%20%C3%A9" }, { endStream: true });
    const err = await codeOf(collect(connectionTo(rawSocket)).done);
    expect(err.code).toBe(Code.NotFound);
    expect(err.rawMessage).toBe("no such thing: é");
  });

  it("resolves on a trailers-only OK", async () => {
    rawAnswer = (stream) => stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "0" }, { endStream: true });
    await collect(connectionTo(rawSocket)).done;
  });

  it("maps an HTTP status other than 200 as gRPC's spec does", async () => {
    rawAnswer = (stream) => stream.respond({ ":status": 503, "content-type": "text/plain" }, { endStream: true });
    expect((await codeOf(collect(connectionTo(rawSocket)).done)).code).toBe(Code.Unavailable);
    rawAnswer = (stream) => stream.respond({ ":status": 404 }, { endStream: true });
    expect((await codeOf(collect(connectionTo(rawSocket)).done)).code).toBe(Code.Unimplemented);
  });

  it("refuses a compressed answer, and a stream without a status", async () => {
    rawAnswer = (stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-encoding": "gzip" });
      stream.end(envelope(new Uint8Array([1, 2, 3]), 1));
    };
    const err = await codeOf(collect(connectionTo(rawSocket)).done);
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toMatch(/encoding/);
    rawAnswer = (stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" });
      stream.end(envelope(toBinary(WatchPerfResponseSchema, sample(1))));
    };
    expect((await codeOf(collect(connectionTo(rawSocket)).done)).rawMessage).toMatch(/missing status/);
  });
});

describe("serverStream against the real agent", () => {
  it("streams WatchPerf samples and WatchServices' snapshot", async () => {
    const agent = await startTestAgent();
    try {
      const conn = connectionTo(agent.socketPath, agent.token);
      const ac = new AbortController();
      const samples: WatchPerfResponse[] = [];
      const perf = serverStream(conn, AgentService.method.watchPerf, {}, (m) => samples.push(m) === 2 && ac.abort(), { signal: ac.signal });
      const snapshot = new Promise<boolean>((resolve, reject) => {
        const services = new AbortController();
        serverStream(conn, AgentService.method.watchServices, {}, (m) => (resolve(m.snapshot), services.abort()), { signal: services.signal }).catch(reject);
      });
      expect((await codeOf(perf)).code).toBe(Code.Canceled);
      expect(samples[1]!.sample!.time).toBeDefined();
      expect(await snapshot).toBe(true);
    } finally {
      await agent.stop();
      agent.cleanup();
    }
  });
});
