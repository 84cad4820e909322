// An agent (or whoever holds its key) answering the console with more than the protocol: a REAL
// HTTP/2 server on a Unix socket, registered as an agent and reached through the real proxy
// routes, sets cookies, redirects and its own CSP, and serves text/html. The browser-facing
// answer carries the protocol's headers only, and HTML never reaches the console's origin.
import { create, toBinary } from "@bufbuild/protobuf";
import { AgentInfoResponseSchema } from "@sysward/proto";
import http2 from "node:http2";
import { once } from "node:events";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as debugVarsRoute from "@/app/agents/[agentId]/debug/vars/route";
import * as metricsRoute from "@/app/agents/[agentId]/metrics/route";
import * as rpcRoute from "@/app/rpc/[agentId]/[...method]/route";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { registerAgent } from "../agents/registry";
import { waitFor } from "../../../../agent/src/runtime/testing/wait-for";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";

const env = setupConsoleTestEnv();
const TOKEN = "rogue-agent-token-0123456789abcdef0123";
const HOSTILE_HEADERS = {
  "set-cookie": ["sysward_session=planted; Path=/; HttpOnly", "other=1; Path=/"],
  location: "https://evil.example/",
  "content-security-policy": "default-src *",
  "access-control-allow-origin": "*",
  "x-frame-options": "ALLOWALL",
  "content-disposition": "inline; filename=x.html",
};
const HTML = "<!doctype html><script>fetch('/api/tokens',{method:'POST'})</script>";

/** What the rogue agent answers on each path. */
const ANSWERS: Record<string, { contentType?: string; body: string | Uint8Array; headers?: Record<string, string | string[]> }> = {
  "/sysward.agent.v1.AgentService/AgentInfo": {
    contentType: "application/proto",
    body: toBinary(AgentInfoResponseSchema, create(AgentInfoResponseSchema, { hostname: "rogue" })),
    headers: { ...HOSTILE_HEADERS, "trailer-x-served-by": "rogue", "connect-content-encoding": "identity", "grpc-status": "0" },
  },
  "/sysward.agent.v1.AgentService/ListServices": { contentType: "text/html; charset=utf-8", body: HTML, headers: HOSTILE_HEADERS },
  // A browser takes the last type of a list: text/html.
  "/sysward.agent.v1.AgentService/GetService": { contentType: "application/json, text/html", body: HTML },
  "/sysward.agent.v1.AgentService/SystemPerf": { body: HTML },
  "/debug/vars": { contentType: "text/html", body: HTML, headers: HOSTILE_HEADERS },
  "/metrics": { contentType: "text/plain; version=0.0.4; charset=utf-8", body: "up 1\n", headers: HOSTILE_HEADERS },
};

let rogue: http2.Http2Server;
/** How each stream the rogue agent served ended (RST code; 8 is CANCEL). */
const resets: Record<string, number> = {};
let viewer: string;

beforeAll(async () => {
  viewer = createSession((await createUser({ username: "viewer1", password: "viewer password", role: "viewer" })).id, null).id;
  const socketPath = join(env.root, "rogue.sock");
  rogue = http2.createServer((req, res) => {
    const answer = ANSWERS[req.url.split("?")[0]!];
    if (!answer) return res.writeHead(404).end();
    res.stream.once("close", () => (resets[req.url] = res.stream.rstCode));
    res.writeHead(200, { ...(answer.contentType ? { "content-type": answer.contentType } : {}), ...answer.headers });
    // HTML keeps coming: the console must stop the stream, not read it to the end.
    if (typeof answer.body === "string" && answer.body === HTML) res.write(HTML);
    else res.end(answer.body);
  });
  rogue.listen(socketPath);
  await once(rogue, "listening");
  registerAgent({ id: "rogue", name: "Rogue", address: `unix://${socketPath}`, credential: { kind: "token", token: TOKEN } });
});
afterAll(async () => {
  rogue?.close();
  await env.cleanup();
});

const rpc = (method: string) =>
  rpcRoute.POST(
    consoleRequest(`/rpc/rogue/sysward.agent.v1.AgentService/${method}`, { method: "POST", body: new Uint8Array(), session: viewer, headers: { "content-type": "application/proto", "connect-protocol-version": "1" } }),
    { params: Promise.resolve({ agentId: "rogue", method: ["sysward.agent.v1.AgentService", method] }) },
  );

function expectNoHostileHeaders(res: Response): void {
  for (const name of Object.keys(HOSTILE_HEADERS)) expect(`${name}: ${res.headers.get(name)}`).toBe(`${name}: null`);
  expect(res.headers.getSetCookie()).toEqual([]);
}

describe("what an agent's answer may carry to the browser", () => {
  it("a protocol answer keeps its content type and the protocol's headers, and loses the rest", async () => {
    const res = await rpc("AgentInfo");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/proto");
    expect(res.headers.get("trailer-x-served-by")).toBe("rogue");
    expect(res.headers.get("connect-content-encoding")).toBe("identity");
    expect(res.headers.get("grpc-status")).toBe("0");
    expectNoHostileHeaders(res);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(ANSWERS["/sysward.agent.v1.AgentService/AgentInfo"]!.body);
  });

  it("text/html from an agent is refused (502, a Connect error), and the agent's stream is cancelled", async () => {
    for (const method of ["ListServices", "GetService"]) {
      const res = await rpc(method);
      expect(res.status).toBe(502);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expectNoHostileHeaders(res);
      const body = await res.text();
      expect(body).not.toContain("<script>");
      expect(JSON.parse(body)).toMatchObject({ code: "internal", message: expect.stringMatching(/answered with content-type .*text\/html.*which the console does not pass on/) });
      await waitFor(() => resets[`/sysward.agent.v1.AgentService/${method}`] === http2.constants.NGHTTP2_CANCEL, `the ${method} stream cancelled`);
    }
  });

  it("an answer without a content type goes out as application/octet-stream, never sniffed as HTML", async () => {
    const res = await rpc("SystemPerf");
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    await res.body?.cancel();
  });

  it("/debug/vars refuses HTML; /metrics keeps its text/plain and loses the cookies", async () => {
    const vars = await debugVarsRoute.GET(consoleRequest("/agents/rogue/debug/vars", { session: viewer }), { params: Promise.resolve({ agentId: "rogue" }) });
    expect(vars.status).toBe(502);
    expectNoHostileHeaders(vars);
    expect(await vars.text()).not.toContain("<script>");

    const metrics = await metricsRoute.GET(consoleRequest("/agents/rogue/metrics", { session: viewer }), { params: Promise.resolve({ agentId: "rogue" }) });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expectNoHostileHeaders(metrics);
    expect(await metrics.text()).toBe("up 1\n");
  });
});
