// POST /api/enrollments and POST /api/enroll in-process, on a real SQLite file and the console's
// real CA: one-time, expiring tokens; proof of key possession (signed over the bytes the agent
// builds, from @sysward/contract); registration; revocation on removal.
import { generateKeyPairSync, sign, X509Certificate } from "node:crypto";
import { enrollProofMessage } from "@sysward/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as agentRoute from "@/app/api/agents/[agentId]/route";
import * as enrollRoute from "@/app/api/enroll/route";
import * as enrollmentsRoute from "@/app/api/enrollments/route";
import { getAgentRecord } from "../agents/registry";
import { listAudit } from "../audit/audit-log";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { getDb } from "../db/database";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";
import { certificateBySerial } from "./certificate-store";
import { ensureConsoleCa } from "./console-ca";

const env = setupConsoleTestEnv();
let admin: string;
let viewer: string;
const AGENT_TOKEN = "a".repeat(43);

beforeAll(async () => {
  admin = createSession((await createUser({ username: "admin1", password: "admin password", role: "admin" })).id, null).id;
  viewer = createSession((await createUser({ username: "viewer1", password: "viewer password", role: "viewer" })).id, null).id;
});
afterAll(() => env.cleanup());

interface Created {
  token: string;
  command: string;
  caSha256: string;
  enrollment: { id: number; agentId: string; name: string; expiresAt: string };
}

const createEnrollment = (body: unknown, session = admin) => enrollmentsRoute.POST(consoleRequest("/api/enrollments", { json: body, session }));
async function newEnrollment(body: unknown): Promise<Created> {
  const res = await createEnrollment(body);
  expect(res.status).toBe(201);
  return (await res.json()) as Created;
}

/** What the agent sends: a fresh P-256 key, its public half, and the proof signed with it. */
function agentBody(token: string, address: string, overrides: Record<string, unknown> = {}) {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }) as string;
  const proof = sign("sha256", enrollProofMessage(token, address, publicKeyPem), privateKey).toString("base64");
  return { body: { token, address, publicKey: publicKeyPem, proof, agentToken: AGENT_TOKEN, ...overrides }, publicKey };
}
const enroll = (body: unknown, raw?: string) => enrollRoute.POST(consoleRequest("/api/enroll", raw !== undefined ? { method: "POST", body: raw, origin: null } : { json: body, origin: null }));

describe("creating an enrollment (admins)", () => {
  it("returns a one-time token and the exact command to run on the new machine", async () => {
    const created = await newEnrollment({ name: "Web server 1", listen: "10.0.0.5:7443" });
    expect(created.enrollment).toMatchObject({ agentId: "web-server-1", name: "Web server 1" });
    expect(Date.parse(created.enrollment.expiresAt) - Date.now()).toBeGreaterThan(59 * 60_000); // default: one hour
    expect(created.token).toMatch(/^swe_[A-Za-z0-9_-]{43}$/);
    const ca = await ensureConsoleCa();
    expect(created.caSha256).toBe(ca.caSha256);
    expect(created.command).toBe(`node apps/agent/dist/agent.mjs enroll http://console.test ${created.token} --listen 10.0.0.5:7443 --ca-sha256 ${ca.caSha256}`);
    // Only its hash is kept.
    expect(JSON.stringify(getDb().prepare("SELECT * FROM enrollments").all())).not.toContain(created.token);
    expect(listAudit({ limit: 1 })[0]).toMatchObject({ action: "enrollment.create", target: "web-server-1", result: "ok" });
  });

  it("refuses viewers, strangers, taken ids and bad input", async () => {
    expect((await createEnrollment({ name: "x" }, viewer)).status).toBe(403);
    expect((await enrollmentsRoute.POST(consoleRequest("/api/enrollments", { json: { name: "x" } }))).status).toBe(401);
    expect((await createEnrollment({ name: "This machine", id: "local" })).status).toBe(409);
    expect((await createEnrollment({ name: "x", listen: "0.0.0.0:7443" })).status).toBe(400);
    expect((await createEnrollment({ name: "x", id: "Not An Id" })).status).toBe(400);
    expect((await createEnrollment({ name: "!!!" })).status).toBe(400); // no id can be made from it
    expect((await createEnrollment({ name: "x", expiresInMinutes: 0 })).status).toBe(400);
  });
});

describe("enrolling (open route; the enrollment token is the credential)", () => {
  it("answers 401 to a missing, unknown or non-JSON token, and says nothing more", async () => {
    for (const res of [await enroll({}), await enroll({ token: "swe_nope" }), await enroll(undefined, "not json"), await enroll({ token: 42 })]) {
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: "enrollment token missing, unknown, expired or already used: ask an admin for a new one" });
    }
    expect(listAudit({ limit: 1 })[0]).toMatchObject({ action: "agent.enroll", result: "denied" });
  });

  it("signs a certificate for the agent's key and address, registers it, and burns the token", async () => {
    const { token } = await newEnrollment({ name: "Box A" });
    const { body, publicKey } = agentBody(token, "10.9.8.7:7443");
    const res = await enroll(body);
    expect(res.status).toBe(201);
    const answer = (await res.json()) as { agentId: string; address: string; cert: string; caCert: string; clientCaCert: string; crl: string };
    expect(answer).toMatchObject({ agentId: "box-a", address: "https://10.9.8.7:7443" });
    const ca = await ensureConsoleCa();
    const cert = new X509Certificate(answer.cert);
    expect(cert.verify(new X509Certificate(answer.caCert).publicKey)).toBe(true);
    expect(answer.clientCaCert).toBe(ca.caCertPem); // the CA that signed the console's client certificate
    expect(cert.publicKey.export({ type: "spki", format: "pem" })).toBe(publicKey.export({ type: "spki", format: "pem" }));
    expect(cert.checkIP("10.9.8.7")).toBe("10.9.8.7");
    expect(answer.crl).toMatch(/^-----BEGIN X509 CRL-----/);
    expect(getAgentRecord("box-a")).toEqual({
      id: "box-a",
      name: "Box A",
      address: "https://10.9.8.7:7443",
      credential: { kind: "mtls", token: AGENT_TOKEN, caPath: ca.caCertPath, certPath: ca.clientCertPath, keyPath: ca.clientKeyPath },
    });
    expect(certificateBySerial(cert.serialNumber)).toMatchObject({ kind: "agent", agentId: "box-a", revokedAt: null });
    expect(listAudit({ limit: 1 })[0]).toMatchObject({ action: "agent.enroll", target: "box-a", result: "ok" });
    // Once only.
    expect((await enroll(agentBody(token, "10.9.8.7:7443").body)).status).toBe(401);
  });

  it("a bad request does not burn the token; an expired token is refused", async () => {
    const { token } = await newEnrollment({ name: "Box B" });
    const good = agentBody(token, "box-b.example.com:7443");
    expect((await enroll({ ...good.body, proof: agentBody(token, "box-b.example.com:7443").body.proof })).status).toBe(400); // signed by another key
    expect((await enroll({ ...good.body, address: "other.example.com:7443" })).status).toBe(400); // the proof covers the address
    expect((await enroll(agentBody(token, "0.0.0.0:7443").body)).status).toBe(400);
    expect((await enroll({ ...good.body, agentToken: "short" })).status).toBe(400);
    const ok = await enroll(good.body);
    expect(ok.status).toBe(201);
    expect(new X509Certificate(((await ok.json()) as { cert: string }).cert).subjectAltName).toBe("DNS:box-b.example.com");

    const late = await newEnrollment({ name: "Box C" });
    getDb().prepare("UPDATE enrollments SET expires_at = ? WHERE id = ?").run(Date.now() - 1, late.enrollment.id);
    expect((await enroll(agentBody(late.token, "10.0.0.9:7443").body)).status).toBe(401);
  });

  it("two racing requests with one token: exactly one certificate", async () => {
    const { token } = await newEnrollment({ name: "Box D" });
    const results = await Promise.all([enroll(agentBody(token, "10.0.0.4:7443").body), enroll(agentBody(token, "10.0.0.4:7443").body)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 401]);
    expect(getDb().prepare("SELECT COUNT(*) AS n FROM certificates WHERE agent_id = 'box-d'").get()).toEqual({ n: 1 });
  });

  it("removing the agent revokes its certificate", async () => {
    const { token } = await newEnrollment({ name: "Box E" });
    const res = await enroll(agentBody(token, "10.0.0.5:7443").body);
    const serial = new X509Certificate(((await res.json()) as { cert: string }).cert).serialNumber;
    const del = await agentRoute.DELETE(consoleRequest("/api/agents/box-e", { method: "DELETE", session: admin }), { params: Promise.resolve({ agentId: "box-e" }) });
    expect(del.status).toBe(200);
    expect(certificateBySerial(serial)?.revokedAt).toEqual(expect.any(Number));
    expect(listAudit({ limit: 1 })[0]).toMatchObject({ action: "certificate.revoke", target: "box-e", detail: `serial ${serial}` });
    // A new enrollment for the same id works after removal.
    expect((await createEnrollment({ name: "Box E" })).status).toBe(201);
  });

  it("lists unused enrollments to admins only", async () => {
    const res = await enrollmentsRoute.GET(consoleRequest("/api/enrollments", { session: admin }));
    const { enrollments } = (await res.json()) as { enrollments: Array<{ agentId: string; expired: boolean }> };
    expect(enrollments.map((e) => e.agentId)).toEqual(expect.arrayContaining(["web-server-1", "box-c", "box-e"]));
    expect(enrollments.find((e) => e.agentId === "box-c")?.expired).toBe(true);
    expect(enrollments.map((e) => e.agentId)).not.toContain("box-a");
    expect((await enrollmentsRoute.GET(consoleRequest("/api/enrollments", { session: viewer }))).status).toBe(403);
  });
});
