// A certificate names a host, not an agent: any machine with an enrollment token gets one for its
// own host, and the same IP serves many ports. Here "box-a" is a REAL agent enrolled through the
// console's real routes and the agent's real enroll; "mallory" enrols too, on another port of the
// same IP. When box-a's address answers with mallory's certificate (or one the console's CA signed
// for nobody), the console refuses the TLS handshake over real mTLS: box-a's bearer token never
// leaves. And nobody can enrol an address another agent already has.
import { id_kp_serverAuth, KeyUsageFlags } from "@peculiar/asn1-x509";
import { createPublicKey } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "../../../../agent/src/runtime/testing/wait-for";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as agentsRoute from "@/app/api/agents/route";
import * as enrollmentsRoute from "@/app/api/enrollments/route";
import { freePort } from "../../../../agent/src/install/testing/package-fixtures";
import { startTestAgent, type TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import { forgetAgentConnection } from "../agents/agent-connection";
import { listAudit } from "../audit/audit-log";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";
import { runEnroll, serveAgentFacingRoutes, type ServedRoutes } from "../testing/enroll-rig";
import { proxiedAgentClient } from "../testing/rpc-client";
import { ensureConsoleCa } from "./console-ca";
import { newKeyPair } from "./key-files";
import { caSigner, commonNameOnly, ext, newSerial, signCertificate } from "./x509-encoding";

const env = setupConsoleTestEnv();
let admin: string;
let served: ServedRoutes;
let machines: string;
let portA: number;
let portM: number;
let boxA: TestAgent | undefined;

beforeAll(async () => {
  admin = createSession((await createUser({ username: "admin1", password: "admin password", role: "admin" })).id, null).id;
  served = await serveAgentFacingRoutes();
  machines = mkdtempSync(join(tmpdir(), "sysward-binding-"));
  [portA, portM] = [await freePort(), await freePort()];
});
afterAll(async () => {
  await boxA?.stop().catch(() => boxA?.kill());
  boxA?.cleanup();
  await served?.close();
  if (machines) rmSync(machines, { recursive: true, force: true });
  await env.cleanup();
});

/** The words of the command an admin gets for a new machine, after `enroll`. */
async function enrollmentCommand(name: string, listen: string): Promise<string[]> {
  const res = await enrollmentsRoute.POST(consoleRequest("/api/enrollments", { json: { name, listen, consoleUrl: served.url }, session: admin }));
  expect(res.status).toBe(201);
  return ((await res.json()) as { command: string }).command.split(" ").slice(3);
}

const rpcClient = (agentId: string) => proxiedAgentClient(agentId, admin);

async function listedUp(agentId: string): Promise<boolean | undefined> {
  const { agents } = (await (await agentsRoute.GET(consoleRequest("/api/agents", { session: admin }))).json()) as { agents: Array<{ id: string; up: boolean }> };
  return agents.find((a) => a.id === agentId)?.up;
}

/** An HTTP/2 TLS server on box-a's port with someone else's certificate; counts what reaches it. */
async function impostor(certPem: string, keyPem: string): Promise<{ requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http2.createSecureServer({ cert: certPem, key: keyPem, allowHTTP1: false }, (req, res) => {
    requests.push(`${req.url} ${req.headers.authorization ?? ""}`);
    res.writeHead(401).end();
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => sessions.add(s));
  server.listen(portA, "127.0.0.1");
  await once(server, "listening");
  return {
    requests,
    close: () => {
      for (const s of sessions) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe("the console dials the agent it enrolled, not whoever holds a certificate for the host", () => {
  it("box-a enrols and answers over mTLS", async () => {
    const aDir = join(machines, "box-a", "data");
    const enrolled = await runEnroll(aDir, await enrollmentCommand("box-a", `127.0.0.1:${portA}`));
    expect(enrolled.out).toContain('enrolled as "box-a"');
    boxA = await startTestAgent({ dataDir: aDir });
    expect((await rpcClient("box-a").agentInfo({})).hostname).not.toBe("");
  }, 60_000);

  it("an enrolment for an address another agent has is refused (409, the token still usable)", async () => {
    const mDir = join(machines, "mallory", "data");
    const words = await enrollmentCommand("mallory", `127.0.0.1:${portA}`);
    const refused = await runEnroll(mDir, words);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(`the console refused the enrollment (409): https://127.0.0.1:${portA} is already registered as agent "box-a"`);
    expect(listAudit({ limit: 5 }).find((e) => e.action === "agent.enroll")).toMatchObject({ target: "mallory", result: "failed" });

    // The same token, another port of the same IP: a certificate naming 127.0.0.1, like box-a's.
    const elsewhere = words.map((w) => (w === `127.0.0.1:${portA}` ? `127.0.0.1:${portM}` : w));
    const enrolled = await runEnroll(mDir, elsewhere);
    expect(enrolled.out).toContain('enrolled as "mallory"');
  }, 60_000);

  it("box-a's address answering with mallory's certificate: the handshake is refused, no token is sent", async () => {
    await boxA!.stop();
    forgetAgentConnection("box-a");
    const mTls = join(machines, "mallory", "data", "tls");
    const fake = await impostor(readFileSync(join(mTls, "agent.crt"), "utf8"), readFileSync(join(mTls, "agent.key"), "utf8"));
    try {
      await expect(rpcClient("box-a").agentInfo({})).rejects.toThrow(/issued to agent "mallory", not to "box-a": another machine is answering at this agent's address/);
      expect(await listedUp("box-a")).toBe(false);
      expect(fake.requests).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it("nor with a certificate of the console's CA that it issued to no agent", async () => {
    const ca = await ensureConsoleCa();
    const issuer = caSigner(ca.caCertPem, readFileSync(ca.caKeyPath));
    const { privateKeyPem, publicKeyPem } = newKeyPair();
    const publicKey = createPublicKey(publicKeyPem);
    const ghost = signCertificate(
      {
        serial: newSerial(),
        issuer: issuer.name,
        subject: commonNameOnly("box-a"),
        publicKey,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 86_400_000),
        extensions: [ext.basicConstraints(false), ext.keyUsage(KeyUsageFlags.digitalSignature), ext.extendedKeyUsage(id_kp_serverAuth), ext.subjectAltName("IP:127.0.0.1")],
      },
      issuer.privateKey,
    );
    forgetAgentConnection("box-a");
    const fake = await impostor(ghost, privateKeyPem);
    try {
      await expect(rpcClient("box-a").agentInfo({})).rejects.toThrow(/signed by this console's CA but issued to no agent it knows/);
      expect(fake.requests).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it("box-a back at its address, with its own certificate: answered again", async () => {
    boxA = await startTestAgent({ dataDir: join(machines, "box-a", "data") });
    forgetAgentConnection("box-a");
    expect((await rpcClient("box-a").agentInfo({})).hostname).not.toBe("");
    // The list shows what the fleet monitor sees: up once it has reconnected (its backoff after the refusals).
    await waitFor(async () => (await listedUp("box-a")) === true, "the fleet to list box-a up", { timeoutMs: 40_000, intervalMs: 250 });
  }, 60_000);
});
