// Two REAL agents behind one console: "local" on its private socket, and "box-b" on its own data
// dir, enrolled the way a person does it — an admin's enrollment command, run as the agent's real
// `enroll` subcommand against the console's /api/enroll (served over HTTP by the console's own
// server around the route module) — then restarted plainly and reached over 127.0.0.1 with mTLS.
// Both are driven through the same proxy and upload routes; B refuses clients it should refuse;
// B going away shows as down and comes back by itself; removing B revokes its certificate.
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AgentService } from "@sysward/proto";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import tls from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as agentRoute from "@/app/api/agents/[agentId]/route";
import * as uploadRoute from "@/app/api/agents/[agentId]/upload/route";
import * as agentsRoute from "@/app/api/agents/route";
import * as enrollmentsRoute from "@/app/api/enrollments/route";
import * as consoleCertificateRoute from "@/app/api/pki/console-certificate/route";
import { freePort } from "../../../../agent/src/install/testing/package-fixtures";
import { buildZip } from "../../../../agent/src/install/testing/zip-builder";
import { startTestAgent, type TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import { makeTestPki, type TestPki } from "../../../../agent/src/rpc/testing/test-pki";
import type { UploadEvent } from "../../shared/types";
import { listAudit } from "../audit/audit-log";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { waitFor } from "../../../../agent/src/runtime/testing/wait-for";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";
import { runEnroll, serveAgentFacingRoutes, type ServedRoutes } from "../testing/enroll-rig";
import { proxiedAgentClient } from "../testing/rpc-client";
import { forgetAgentConnection } from "../agents/agent-connection";
import { revokeCertificate } from "./certificate-store";
import { ensureConsoleCa } from "./console-ca";
import { issueCertificate } from "./issue-certificate";
import { newKeyPair } from "./key-files";


const env = setupConsoleTestEnv();

let b: TestAgent | undefined;
let bRoot: string;
let bDataDir: string;
let bPort: number;
let enrollServer: ServedRoutes;
let foreignPki: TestPki;
let revokedClient: { certPath: string; keyPath: string };
let admin: string;
let viewer: string;

/** B restarted plainly: no SYSWARD_LISTEN, no TLS variables — listen.json says it all. */
const startB = (env?: Record<string, string>) => startTestAgent({ dataDir: bDataDir, env });

/** The certificate B presents on its TCP port right now (a fresh handshake, as the console's client). */
async function bPresents(): Promise<string> {
  const ca = await ensureConsoleCa();
  const socket = tls.connect({ host: "127.0.0.1", port: bPort, ca: readFileSync(ca.caCertPath), cert: readFileSync(ca.clientCertPath), key: readFileSync(ca.clientKeyPath), ALPNProtocols: ["h2"] });
  try {
    await once(socket, "secureConnect");
    return socket.getPeerX509Certificate()!.serialNumber;
  } finally {
    socket.destroy();
  }
}

const listenJson = () => JSON.parse(readFileSync(join(bDataDir, "listen.json"), "utf8")) as { cert: string; key: string; crl: string };

beforeAll(async () => {
  await env.startAgent(); // "local", on its private socket
  admin = createSession((await createUser({ username: "admin1", password: "admin password", role: "admin" })).id, null).id;
  viewer = createSession((await createUser({ username: "viewer1", password: "viewer password", role: "viewer" })).id, null).id;
  enrollServer = await serveAgentFacingRoutes();
  bPort = await freePort();
  bRoot = mkdtempSync(join(tmpdir(), "sysward-box-b-"));
  bDataDir = join(bRoot, "data");
  foreignPki = makeTestPki();
  // A client certificate of the console's own CA, revoked before B enrols: B must refuse it.
  const ca = await ensureConsoleCa();
  const { privateKeyPem, publicKeyPem } = newKeyPair();
  const cert = await issueCertificate(ca, { kind: "client", commonName: "old-console", publicKeyPem, days: 30 });
  revokeCertificate(cert.serial);
  revokedClient = { certPath: join(env.root, "old-console.crt"), keyPath: join(env.root, "old-console.key") };
  writeFileSync(revokedClient.certPath, cert.pem);
  writeFileSync(revokedClient.keyPath, privateKeyPem, { mode: 0o600 });
});

afterAll(async () => {
  if (b && b.process.exitCode === null && b.process.signalCode === null) {
    b.process.kill("SIGCONT");
    const services = await b.client().listServices({}).then((r) => r.services, () => []);
    for (const s of services) await b.client().remove({ name: s.name }).catch(() => {});
    await b.stop().catch(() => b!.kill());
  }
  b?.cleanup();
  if (bRoot) rmSync(bRoot, { recursive: true, force: true });
  await enrollServer?.close();
  if (foreignPki) rmSync(foreignPki.dir, { recursive: true, force: true });
  await env.cleanup();
});

const rpcClient = (agentId: string, session = viewer) => proxiedAgentClient(agentId, session);

async function listed(): Promise<Record<string, boolean>> {
  const res = await agentsRoute.GET(consoleRequest("/api/agents", { session: viewer }));
  const { agents } = (await res.json()) as { agents: Array<{ id: string; up: boolean }> };
  return Object.fromEntries(agents.map((a) => [a.id, a.up]));
}

async function install(agentId: string, name: string): Promise<UploadEvent[]> {
  const zip = buildZip([{ name, data: Buffer.from("#!/bin/sh\necho started\nexec sleep 600\n"), mode: 0o100755 }]);
  const boundary = "----sysward-fleet-test";
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="name"\r\n\r\n${name}\r\n--${boundary}\r\ncontent-disposition: form-data; name="healthSeconds"\r\n\r\n1\r\n`),
    Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="package"; filename="p.zip"\r\ncontent-type: application/zip\r\n\r\n`),
    zip,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const req = consoleRequest(`/api/agents/${agentId}/upload`, { method: "POST", body, session: admin, headers: { "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": String(body.length) } });
  const res = await uploadRoute.POST(req, { params: Promise.resolve({ agentId }) });
  expect(res.status).toBe(200);
  return (await res.text()).trimEnd().split("\n").map((l) => JSON.parse(l) as UploadEvent);
}

/** A client straight to B's TCP port, bypassing the console: what B lets in is B's decision. */
async function directCall(client?: { certPath: string; keyPath: string }): Promise<string> {
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${b!.token}`);
    return next(req);
  };
  const ca = await ensureConsoleCa();
  const c = createClient(
    AgentService,
    createGrpcTransport({
      baseUrl: `https://127.0.0.1:${bPort}`,
      nodeOptions: { ca: readFileSync(ca.caCertPath), cert: client && readFileSync(client.certPath), key: client && readFileSync(client.keyPath) },
      interceptors: [bearer],
    }),
  );
  try {
    await c.agentInfo({}, { timeoutMs: 5_000 });
    return "ok";
  } catch (err) {
    return Code[ConnectError.from(err).code] ?? "?";
  }
}

describe("a second machine, enrolled in two steps", () => {
  it("step 1: an admin gets a command; step 2: the agent's enroll runs it; a plain restart opens mTLS", async () => {
    const res = await enrollmentsRoute.POST(consoleRequest("/api/enrollments", { json: { name: "Box B", listen: `127.0.0.1:${bPort}`, consoleUrl: enrollServer.url }, session: admin }));
    expect(res.status).toBe(201);
    const { command } = (await res.json()) as { command: string };
    const words = command.split(" ");
    expect(words.slice(0, 4)).toEqual(["node", "apps/agent/dist/agent.mjs", "enroll", enrollServer.url]);

    const enrolled = await runEnroll(bDataDir, words.slice(3));
    expect(enrolled.out).toContain('enrolled as "box-b"');
    expect(enrolled.code).toBe(0);
    expect(statSync(join(bDataDir, "tls", "agent.key")).mode & 0o777).toBe(0o600);
    expect(existsSync(join(bDataDir, "listen.json"))).toBe(true);
    // The token is spent: running the same command again is refused, and changes nothing.
    const again = await runEnroll(bDataDir, words.slice(3));
    expect(again.code).toBe(1);
    expect(again.out).toContain("already used");

    b = await startB();
    const ready = JSON.parse(b.output().split("\n").find((l) => l.includes('"msg":"agent ready"'))!) as { tcp?: { port: number } };
    expect(ready.tcp?.port).toBe(bPort);
    expect(await listed()).toEqual({ local: true, "box-b": true });
    expect(listAudit({ limit: 50 }).filter((e) => e.action === "agent.enroll").map((e) => e.result)).toEqual(["denied", "ok"]);
  }, 60_000); // two enroll runs and an agent start, each a process of its own

  it("the console drives both through the same proxy: services, live perf, install", async () => {
    for (const [id, name] of [["local", "onlocal"], ["box-b", "onb"]] as const) {
      const client = rpcClient(id);
      expect((await client.agentInfo({})).hostname).not.toBe("");
      const ac = new AbortController();
      let samples = 0;
      for await (const r of client.watchPerf({}, { signal: ac.signal })) {
        expect(r.sample?.cpu).toBeDefined();
        if (++samples === 2) break;
      }
      ac.abort();
      const events = await install(id, name);
      expect(events.at(-1)).toMatchObject({ type: "result", ok: true, service: { name, state: "running" } });
      expect((await client.listServices({})).services.map((s) => s.name)).toEqual([name]);
    }
    // Each install landed on its own machine.
    expect(existsSync(join(bDataDir, "packages", "onb"))).toBe(true);
    expect(existsSync(join(env.agentDataDir, "packages", "onb"))).toBe(false);
    await rpcClient("box-b", admin).remove({ name: "onb" });
    await rpcClient("local", admin).remove({ name: "onlocal" });
  });

  it("B refuses a client without a certificate, with another CA's, and with a revoked one", async () => {
    const ca = await ensureConsoleCa();
    expect(await directCall({ certPath: ca.clientCertPath, keyPath: ca.clientKeyPath })).toBe("ok"); // the console's own
    expect(await directCall(undefined)).not.toBe("ok");
    expect(await directCall(foreignPki.foreignClient)).not.toBe("ok");
    expect(await directCall(revokedClient)).not.toBe("ok");
    expect(b!.output()).toContain("TLS client refused");
  });

  it("B going away shows as down, the console does not hang on it, and B comes back by itself", async () => {
    await b!.stop();
    await waitFor(async () => (await listed())["box-b"] === false, "box-b down");
    await expect(rpcClient("box-b").agentInfo({})).rejects.toThrow(ConnectError);
    expect((await listed()).local).toBe(true);
    b = await startB();
    await waitFor(async () => (await listed())["box-b"] === true, "box-b up again");

    // A frozen agent (the process stopped, its TCP connection open): the answer still comes.
    b.process.kill("SIGSTOP");
    try {
      await waitFor(async () => (await listed())["box-b"] === false, "a frozen box-b listed as down", { timeoutMs: 15_000 });
      // A proxied call that sets no deadline of its own (the fleet page's polls) ends as well:
      // the connection's pings give up on the agent, and a new handshake has its own limit.
      await expect(rpcClient("box-b").systemPerf({})).rejects.toThrow(ConnectError);
      await expect(rpcClient("box-b").systemPerf({})).rejects.toThrow(/no TLS handshake/);
    } finally {
      b.process.kill("SIGCONT");
    }
    await waitFor(async () => (await listed())["box-b"] === true, "box-b up after thawing", { timeoutMs: 15_000 });
  }, 60_000);

  it("B renews its own certificate through the console and serves with it, without a restart", async () => {
    const before = await bPresents();
    await b!.stop();
    // Refresh every second; any certificate with under 1000 days left is due for renewal.
    b = await startB({ SYSWARD_TLS_REFRESH_SECONDS: "1", SYSWARD_TLS_RENEW_BEFORE_DAYS: "1000" });
    await waitFor(() => listenJson().cert !== "tls/agent.crt", "listen.json names a renewed certificate", { timeoutMs: 15_000 }).catch((err: unknown) => {
      console.log("box-b's credential log:\n" + b!.output().split("\n").filter((l) => /refresh|credential|renew|TLS/i.test(l)).slice(-8).join("\n"));
      throw err;
    });
    const { cert, key } = listenJson();
    const renewed = new X509Certificate(readFileSync(join(bDataDir, cert)));
    expect(renewed.serialNumber).not.toBe(before);
    expect(statSync(join(bDataDir, key)).mode & 0o777).toBe(0o600);
    // The old pair goes right after listen.json (the commit point) names the new one.
    await waitFor(() => !existsSync(join(bDataDir, "tls", "agent.crt")) && !existsSync(join(bDataDir, "tls", "agent.key")), "the old pair removed");
    // The running listener presents it (swapped in, not restarted), and the console accepts it.
    await waitFor(async () => (await bPresents()) === renewed.serialNumber, "B presents the renewed certificate");
    forgetAgentConnection("box-b");
    expect((await rpcClient("box-b").agentInfo({})).hostname).not.toBe("");
    expect(listAudit({ limit: 50 }).some((e) => e.action === "agent.renew" && e.target === "box-b" && e.result === "ok")).toBe(true);
    // A restart picks up the renewed pair from listen.json.
    await b!.stop();
    b = await startB({ SYSWARD_TLS_REFRESH_SECONDS: "1" });
    expect(await bPresents()).toBe(new X509Certificate(readFileSync(join(bDataDir, listenJson().cert))).serialNumber);
    await waitFor(async () => (await listed())["box-b"] === true, "box-b up after restart");
  }, 60_000);

  it("rotating the console's client certificate: B refuses the old one after its next CRL refresh, the console goes on", async () => {
    const ca = await ensureConsoleCa();
    const old = { certPath: join(env.root, "rotated-out.crt"), keyPath: join(env.root, "rotated-out.key") };
    writeFileSync(old.certPath, readFileSync(ca.clientCertPath));
    writeFileSync(old.keyPath, readFileSync(ca.clientKeyPath), { mode: 0o600 });
    expect(await directCall(old)).toBe("ok");

    expect((await consoleCertificateRoute.POST(consoleRequest("/api/pki/console-certificate", { method: "POST", session: viewer }))).status).toBe(403);
    const res = await consoleCertificateRoute.POST(consoleRequest("/api/pki/console-certificate", { method: "POST", session: admin }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { previous: { serial: string }; clientCertificate: { serial: string } };
    expect(body.previous.serial).toBe(new X509Certificate(readFileSync(old.certPath)).serialNumber);
    expect(body.clientCertificate.serial).toBe(new X509Certificate(readFileSync(ca.clientCertPath)).serialNumber);

    await waitFor(async () => (await directCall(old)) !== "ok", "B refuses the rotated-out certificate", { timeoutMs: 15_000 });
    expect(await directCall({ certPath: ca.clientCertPath, keyPath: ca.clientKeyPath })).toBe("ok");
    // The swapped-in TLS settings still demand a client certificate of the console's CA.
    expect(await directCall(undefined)).not.toBe("ok");
    expect(await directCall(foreignPki.foreignClient)).not.toBe("ok");
    expect((await rpcClient("box-b").agentInfo({})).hostname).not.toBe("");
    expect(readFileSync(join(bDataDir, listenJson().crl), "utf8")).toContain("BEGIN X509 CRL");
    expect(listAudit({ limit: 20 }).some((e) => e.action === "certificate.rotate" && e.result === "ok")).toBe(true);
  }, 30_000);

  it("removing B revokes its certificate: the console refuses it even at the same address", async () => {
    const del = await agentRoute.DELETE(consoleRequest("/api/agents/box-b", { method: "DELETE", session: admin }), { params: Promise.resolve({ agentId: "box-b" }) });
    expect(del.status).toBe(200);
    await expect(rpcClient("box-b").agentInfo({})).rejects.toThrow(/no agent/);
    expect(listAudit({ limit: 5 }).map((e) => e.action)).toContain("certificate.revoke");

    // Registering the same address with the same credentials does not bring it back.
    const ca = await ensureConsoleCa();
    const reg = await agentsRoute.POST(
      consoleRequest("/api/agents", {
        json: { id: "box-b-again", name: "B again", address: `https://127.0.0.1:${bPort}`, credential: { kind: "mtls", token: b!.token, caPath: ca.caCertPath, certPath: ca.clientCertPath, keyPath: ca.clientKeyPath } },
        session: admin,
      }),
    );
    expect(reg.status).toBe(201);
    expect(((await reg.json()) as { agent: { up: boolean } }).agent.up).toBe(false);
    await expect(rpcClient("box-b-again").agentInfo({})).rejects.toThrow(/revoked/);
    // B itself is fine: it is the console that no longer trusts it — and refuses its refreshes.
    expect((await b!.client().agentInfo({})).hostname).not.toBe("");
    await waitFor(() => b!.output().includes("the console refused this agent's credentials refresh"), "B told its refresh is refused", { timeoutMs: 10_000 });
    expect(b!.output()).toContain("was revoked when this machine was removed");
  });
});
