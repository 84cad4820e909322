// Closed by default, at the agent: every AgentService method — enumerated from the generated
// service descriptor, so a method added later is covered without editing this file — refuses
// a missing or wrong token with Unauthenticated over Connect, gRPC and gRPC-Web (and Connect
// GET for side-effect-free methods), without doing anything; plain HTTP paths answer 401; and
// neither the real token nor the wrong ones tried ever reach the agent's log.
import { create } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type CallOptions, type Client } from "@connectrpc/connect";
import { AgentService, InstallRequestSchema, ServiceState } from "@sysward/proto";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentClient, TRANSPORT_KINDS, type TransportKind } from "../client/socket-transport";
import { installVia } from "../install/testing/install-via";
import { shellBodies, shellServiceZip } from "../install/testing/package-fixtures";
import { http2Get } from "../rpc/testing/raw-http2";
import { startTestAgent, type TestAgent } from "../rpc/testing/start-test-agent";

const NAME = "guarded";
let agent: TestAgent;
let version: string;

beforeAll(async () => {
  agent = await startTestAgent();
  version = (await installVia(agent.client(), { name: NAME, healthSeconds: 0 }, shellServiceZip(NAME, shellBodies.steady("guarded")))).service!.version!.id;
});

afterAll(async () => {
  await agent?.stop();
  agent?.cleanup();
});

/** Tokens that must not work: none, random, the real one altered, the real one under another scheme. */
function badTokens(real: string): Array<[string, string | undefined, string?]> {
  return [
    ["no token", undefined],
    ["a random token", randomBytes(32).toString("base64url")],
    ["the real token with one character changed", real.slice(0, -1) + (real.endsWith("A") ? "B" : "A")],
    ["the real token cut short", real.slice(0, -4)],
    ["the real token plus a character", `${real}x`],
    ["the real token as Basic auth", undefined, `Basic ${Buffer.from(`agent:${real}`).toString("base64")}`],
  ];
}

type AnyMethod = (req: unknown, opts?: CallOptions) => unknown;

/** Calls `method` the way its kind needs (an Install sends a header for a real package name). */
async function call(client: Client<typeof AgentService>, method: (typeof AgentService.methods)[number]): Promise<Code | "ok"> {
  const fn = (client as unknown as Record<string, AnyMethod>)[method.localName]!;
  const ac = new AbortController();
  try {
    const req = { name: NAME };
    switch (method.methodKind) {
      case "unary":
        await fn(req, { signal: ac.signal });
        break;
      case "server_streaming":
        for await (const _ of fn(req, { signal: ac.signal }) as AsyncIterable<unknown>) break;
        break;
      case "client_streaming":
        await fn(
          (async function* () {
            yield create(InstallRequestSchema, { msg: { case: "header", value: { name: NAME, healthSeconds: 0 } } });
            yield create(InstallRequestSchema, { msg: { case: "chunk", value: shellServiceZip(NAME, shellBodies.steady("intruder")) } });
          })(),
          { signal: ac.signal },
        );
        break;
      default:
        throw new Error(`no caller for ${method.methodKind} methods`);
    }
    return "ok";
  } catch (err) {
    return ConnectError.from(err).code;
  } finally {
    ac.abort();
  }
}

/** A client that sends `authorization` as given (or nothing). */
function clientWith(kind: TransportKind, token: string | undefined, rawHeader?: string): Client<typeof AgentService> {
  if (rawHeader === undefined) return createAgentClient(agent.socketPath, token, kind);
  const c = createAgentClient(agent.socketPath, undefined, kind);
  return new Proxy(c, {
    get: (target, prop) => {
      const fn = (target as unknown as Record<string | symbol, AnyMethod>)[prop];
      return (req: unknown, opts: CallOptions = {}) => fn!(req, { ...opts, headers: { ...opts.headers, authorization: rawHeader } });
    },
  });
}

describe("the agent's socket is closed by default", () => {
  it("enumerates every method of the service from its descriptor", () => {
    expect(AgentService.methods.length).toBeGreaterThanOrEqual(13);
    expect(new Set(AgentService.methods.map((m) => m.methodKind))).toEqual(new Set(["unary", "server_streaming", "client_streaming"]));
  });

  for (const kind of TRANSPORT_KINDS) {
    it(`refuses every method over ${kind} with a missing or wrong token, and does nothing`, async () => {
      for (const [what, token, raw] of badTokens(agent.token)) {
        const client = clientWith(kind, token, raw);
        for (const m of AgentService.methods) {
          const got = await call(client, m);
          expect(`${m.name} with ${what}: ${typeof got === "string" ? got : Code[got]}`).toBe(`${m.name} with ${what}: Unauthenticated`);
        }
      }
      // Nothing was removed, stopped, restarted, rolled back or installed.
      const svc = (await agent.client().getService({ name: NAME })).service!;
      expect(svc.version?.id).toBe(version);
      expect(svc.state).toBe(ServiceState.RUNNING);
      expect(svc.restarts).toBe(0);
    });
  }

  it("the right token still works for every method kind (the refusals above are about the token)", async () => {
    const ok = agent.client("grpc");
    for (const m of AgentService.methods.filter((x) => ["AgentInfo", "WatchPerf", "GetService", "Logs"].includes(x.name))) {
      expect(`${m.name}: ${await call(ok, m)}`).toBe(`${m.name}: ok`);
    }
  });

  it("refuses Connect GET of the side-effect-free methods, /debug/vars and unknown paths with 401", async () => {
    const reads = AgentService.methods.filter((m) => m.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS);
    expect(reads.length).toBeGreaterThan(0);
    for (const [what, token, raw] of badTokens(agent.token)) {
      const headers: Record<string, string> = raw ? { authorization: raw } : token ? { authorization: `Bearer ${token}` } : {};
      for (const m of reads) {
        const res = await http2Get(agent.socketPath, `/${AgentService.typeName}/${m.name}?connect=v1&encoding=json&message=${encodeURIComponent(JSON.stringify({ name: NAME }))}`, headers);
        expect(`GET ${m.name} with ${what}: ${res.status}`).toBe(`GET ${m.name} with ${what}: 401`);
      }
      for (const path of ["/debug/vars", "/metrics", "/", "/nope"]) {
        expect(`GET ${path} with ${what}: ${(await http2Get(agent.socketPath, path, headers)).status}`).toBe(`GET ${path} with ${what}: 401`);
      }
    }
  });

  it("never writes the token, or the wrong tokens it was offered, to its log", () => {
    const log = agent.output();
    expect(log).toContain('"code":"Unauthenticated"'); // the refusals were logged
    expect(log.includes(agent.token)).toBe(false);
    for (const [, token, raw] of badTokens(agent.token)) {
      if (token) expect(log.includes(token)).toBe(false);
      if (raw) expect(log.includes(raw.slice(6))).toBe(false);
    }
  });
});
