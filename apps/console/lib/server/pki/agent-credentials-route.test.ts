// POST /api/pki/agent-credentials in-process, on a real SQLite file and the console's real CA: an
// enrolled agent's certificate plus a fresh signature gets the CRL (and, asked for, a renewed
// certificate); everything else is 401. The proof is signed over the bytes the agent builds
// (@sysward/contract), and the CRL checked with the agent's own verifier, so both sides agree.
import { createPrivateKey, generateKeyPairSync, sign, X509Certificate, type KeyObject } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { credentialsProofMessage } from "@sysward/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as route from "@/app/api/pki/agent-credentials/route";
import { verifyCrl } from "../../../../agent/src/credentials/crl";
import { makeTestPki, type TestPki } from "../../../../agent/src/rpc/testing/test-pki";
import { deleteAgent, registerAgent } from "../agents/registry";
import { listAudit } from "../audit/audit-log";
import { getDb } from "../db/database";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";
import { certificateBySerial, revokeCertificate } from "./certificate-store";
import { ensureConsoleCa, type ConsoleCa } from "./console-ca";
import { issueCertificate } from "./issue-certificate";

const env = setupConsoleTestEnv();
let ca: ConsoleCa;
let foreign: TestPki;

interface Agent {
  id: string;
  certPem: string;
  key: KeyObject;
}

async function enrolledAgent(id: string, host = "10.0.0.5"): Promise<Agent> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  registerAgent({ id, name: id, address: `https://${host}:7443`, credential: { kind: "mtls", token: "t".repeat(43), caPath: ca.caCertPath, certPath: ca.clientCertPath, keyPath: ca.clientKeyPath } });
  const cert = await issueCertificate(ca, { kind: "agent", commonName: id, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }) as string, agentId: id, host, days: 825 });
  // Enrolled a while ago: renewals are rate-limited per agent.
  getDb().prepare("UPDATE certificates SET issued_at = issued_at - 60000 WHERE agent_id = ?").run(id);
  return { id, certPem: cert.pem, key: privateKey };
}

function body(a: { certPem: string; key: KeyObject }, opts: { newPublicKeyPem?: string; time?: string; signWith?: KeyObject } = {}) {
  const time = opts.time ?? new Date().toISOString();
  const fp = new X509Certificate(a.certPem).fingerprint256;
  const proof = sign("sha256", credentialsProofMessage(time, fp, opts.newPublicKeyPem), opts.signWith ?? a.key).toString("base64");
  return { certificate: a.certPem, time, proof, publicKey: opts.newPublicKeyPem };
}

const post = (json: unknown) => route.POST(consoleRequest("/api/pki/agent-credentials", { json, origin: null }));
const newPublicKeyPem = () => generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({ type: "spki", format: "pem" }) as string;

beforeAll(async () => {
  ca = await ensureConsoleCa();
  foreign = makeTestPki();
});
afterAll(async () => {
  rmSync(foreign.dir, { recursive: true, force: true });
  await env.cleanup();
});

describe("an enrolled agent's credentials refresh", () => {
  it("gets the console CA's current CRL, listing revoked certificates", async () => {
    const a = await enrolledAgent("box-crl");
    const gone = await enrolledAgent("box-gone");
    revokeCertificate(new X509Certificate(gone.certPem).serialNumber);
    const res = await post(body(a));
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { crl: string; cert?: string };
    expect(answer.cert).toBeUndefined();
    const crl = verifyCrl(answer.crl, ca.caCertPem);
    expect(crl.revokedSerials).toContain(new X509Certificate(gone.certPem).serialNumber);
    expect(crl.revokedSerials).not.toContain(new X509Certificate(a.certPem).serialNumber);
    // Valid for SYSWARD_CRL_DAYS (7 by default), not years.
    expect(crl.nextUpdate!.getTime() - Date.now()).toBeLessThan(8 * 86_400_000);
    expect(crl.nextUpdate!.getTime() - Date.now()).toBeGreaterThan(6 * 86_400_000);
  });

  it("renews: a certificate for the new key, the same host, recorded against the agent", async () => {
    const a = await enrolledAgent("box-renew", "box.example.com");
    const pub = newPublicKeyPem();
    const res = await post(body(a, { newPublicKeyPem: pub }));
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { crl: string; cert: string; caCert: string };
    const renewed = new X509Certificate(answer.cert);
    expect(String(renewed.publicKey.export({ type: "spki", format: "pem" })).trim()).toBe(pub.trim());
    expect(renewed.subjectAltName).toBe(new X509Certificate(a.certPem).subjectAltName);
    expect(renewed.verify(new X509Certificate(answer.caCert).publicKey)).toBe(true);
    expect(certificateBySerial(renewed.serialNumber)).toMatchObject({ kind: "agent", agentId: "box-renew", revokedAt: null });
    expect(listAudit({ limit: 5 }).find((e) => e.action === "agent.renew")).toMatchObject({ target: "box-renew", result: "ok" });

    // At once again: put off, with when to come back.
    const again = await post(body(a, { newPublicKeyPem: newPublicKeyPem() }));
    expect(again.status).toBe(429);
    expect(((await again.json()) as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    // ...but the CRL alone is still there for it.
    expect((await post(body(a))).status).toBe(200);
  });

  it("refuses a new key that is not P-256", async () => {
    const a = await enrolledAgent("box-rsa");
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }) as string;
    const res = await post(body(a, { newPublicKeyPem: rsa }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/P-256/);
  });
});

describe("refused with 401", () => {
  const refused = async (json: unknown, message?: RegExp) => {
    const res = await post(json);
    expect(res.status).toBe(401);
    const { error } = (await res.json()) as { error: string };
    if (message) expect(error).toMatch(message);
    return error;
  };

  it("no body, a broken one, or no proof", async () => {
    const a = await enrolledAgent("box-body");
    await refused(undefined);
    await refused({ certificate: "nope", time: new Date().toISOString(), proof: "x" });
    await refused({ ...body(a), proof: undefined });
  });

  it("a certificate of another CA, and the console's own client certificate", async () => {
    const other = { certPem: foreign.foreignClient.cert, key: createPrivateKey(foreign.foreignClient.key) };
    await refused(body(other));
    const own = { certPem: readFileSync(ca.clientCertPath, "utf8"), key: createPrivateKey(readFileSync(ca.clientKeyPath)) };
    await refused(body(own));
  });

  it("a proof signed by another key, or made too long ago", async () => {
    const a = await enrolledAgent("box-proof");
    await refused(body(a, { signWith: generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey }));
    await refused(body(a, { time: new Date(Date.now() - 10 * 60_000).toISOString() }), /more than 5 minutes/);
    // A proof for the CRL only cannot be reused to renew with a key of someone else's choosing.
    const crlOnly = body(a);
    await refused({ ...crlOnly, publicKey: newPublicKeyPem() });
  });

  it("a revoked certificate, and an agent that was removed, each with what to do", async () => {
    const a = await enrolledAgent("box-revoked");
    revokeCertificate(new X509Certificate(a.certPem).serialNumber);
    await refused(body(a), /revoked .*enrol it again/);
    const b = await enrolledAgent("box-removed");
    deleteAgent("box-removed");
    await refused(body(b), /no longer registered/);
    expect(listAudit({ limit: 20 }).filter((e) => e.action === "agent.credentials" && e.result === "denied").length).toBeGreaterThanOrEqual(2);
  });
});
