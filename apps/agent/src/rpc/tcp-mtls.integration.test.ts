// The opt-in TCP listener: TLS 1.3 with client certificates AND the token; refused without either.
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AgentService } from "@sysward/proto";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestPki, mtlsListenEnv, type Pem, type TestPki } from "./testing/test-pki";
import { startTestAgent, type TestAgent } from "./testing/start-test-agent";

function tcpClient(port: number, pki: TestPki, clientPem: Pem | undefined, token: string | undefined) {
  const bearer: Interceptor = (next) => (req) => {
    if (token) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
  return createClient(
    AgentService,
    createGrpcTransport({
      baseUrl: `https://127.0.0.1:${port}`,
      nodeOptions: { ca: pki.ca, cert: clientPem?.cert, key: clientPem?.key },
      interceptors: [bearer],
    }),
  );
}

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return Code[ConnectError.from(err).code] ?? "?";
  }
}

describe("TCP listener with mutual TLS", () => {
  let pki: TestPki;
  let agent: TestAgent;
  let port: number;

  beforeAll(async () => {
    pki = makeTestPki();
    agent = await startTestAgent({ env: mtlsListenEnv(pki) });
    port = agent.tcpPort();
  });
  afterAll(async () => {
    await agent?.stop();
    agent?.cleanup();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  it("answers a client with a certificate from its CA and the token", async () => {
    const info = await tcpClient(port, pki, pki.client, agent.token).agentInfo({});
    expect(info.os).toBe("linux");
  });

  it("still requires the token with a good certificate", async () => {
    expect(await outcome(tcpClient(port, pki, pki.client, undefined).agentInfo({}))).toBe("Unauthenticated");
  });

  it("refuses a client without a certificate, with a foreign CA's, or with a revoked one", async () => {
    expect(await outcome(tcpClient(port, pki, undefined, agent.token).agentInfo({}))).not.toBe("ok");
    expect(await outcome(tcpClient(port, pki, pki.foreignClient, agent.token).agentInfo({}))).not.toBe("ok");
    expect(await outcome(tcpClient(port, pki, pki.revokedClient, agent.token).agentInfo({}))).not.toBe("ok");
    // And the good client still works afterwards: the refusals were about the certificates.
    expect(await outcome(tcpClient(port, pki, pki.client, agent.token).agentInfo({}))).toBe("ok");
  });
});

describe("TCP listener configuration", () => {
  it("refuses to start a TCP listener without TLS and a client CA", async () => {
    await expect(startTestAgent({ env: { SYSWARD_LISTEN: "127.0.0.1:0" }, readyTimeoutMs: 15_000 })).rejects.toThrow(
      /SYSWARD_LISTEN is set but SYSWARD_TLS_CERT, SYSWARD_TLS_KEY, SYSWARD_TLS_CLIENT_CA are not/,
    );
  });
});
