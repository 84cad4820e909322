// The agent's real `enroll` against the console's real /api/enroll over HTTP, with someone in
// between rewriting the answer: the CA the command pins stays, but the client CA (whom the agent's
// listener will let in) or the CRL (whom it keeps out) comes from another key. The agent refuses,
// says why, and writes nothing.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as enrollmentsRoute from "@/app/api/enrollments/route";
import { makeTestPki, type TestPki } from "../../../../agent/src/rpc/testing/test-pki";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";
import { runEnroll, serveAgentFacingRoutes, type ServedRoutes } from "../testing/enroll-rig";
import { ensureConsoleCa } from "./console-ca";
import { newKeyPair } from "./key-files";
import { caSigner, signCrl } from "./x509-encoding";

const env = setupConsoleTestEnv();
let admin: string;
let served: ServedRoutes;
let other: TestPki;
let machines: string;
let rewrite: ((answer: Record<string, unknown>) => void) | undefined;
let port = 17000;

beforeAll(async () => {
  admin = createSession((await createUser({ username: "admin1", password: "admin password", role: "admin" })).id, null).id;
  served = await serveAgentFacingRoutes({ tamperEnroll: (answer) => rewrite?.(answer) });
  other = makeTestPki();
  machines = mkdtempSync(join(tmpdir(), "sysward-enroll-checks-"));
});
afterAll(async () => {
  await served?.close();
  if (other) rmSync(other.dir, { recursive: true, force: true });
  if (machines) rmSync(machines, { recursive: true, force: true });
  await env.cleanup();
});

/** A new machine runs the command an admin got for it, its answer passed through `tamper`. */
async function enrollThrough(name: string, tamper?: (answer: Record<string, unknown>) => void) {
  const res = await enrollmentsRoute.POST(consoleRequest("/api/enrollments", { json: { name, listen: `127.0.0.1:${port++}`, consoleUrl: served.url }, session: admin }));
  expect(res.status).toBe(201);
  const { command } = (await res.json()) as { command: string };
  const dataDir = join(machines, name);
  rewrite = tamper;
  try {
    return { ...(await runEnroll(dataDir, command.split(" ").slice(3))), dataDir };
  } finally {
    rewrite = undefined;
  }
}

function expectNothingWritten(dataDir: string): void {
  expect(existsSync(join(dataDir, "listen.json"))).toBe(false);
  for (const f of ["agent.key", "agent.crt", "client-ca.crt", "crl.pem"]) expect(existsSync(join(dataDir, "tls", f))).toBe(false);
}

describe("what the agent's enroll accepts from the console", () => {
  it("the console's own answer: the client CA and the CRL's signer are the pinned CA", async () => {
    const r = await enrollThrough("honest");
    expect(r.out).toContain('enrolled as "honest"');
    expect(r.code).toBe(0);
    const ca = await ensureConsoleCa();
    expect(new X509Certificate(readFileSync(join(r.dataDir, "tls", "client-ca.crt"))).fingerprint256).toBe(ca.caSha256);
  }, 60_000);

  it("refuses a client CA that is not the pinned CA, with or without a CRL of that CA", async () => {
    const ca = await ensureConsoleCa();
    const otherCa = new X509Certificate(other.ca).fingerprint256;
    const cases: Array<[string, (a: Record<string, unknown>) => void]> = [
      // The CRL then verifies against the client CA it came with: only the pin can catch this.
      ["swapped-ca-and-crl", (a) => ((a.clientCaCert = other.ca), (a.crl = readFileSync(other.crlPath, "utf8")))],
      ["swapped-ca", (a) => (a.clientCaCert = other.ca)],
    ];
    for (const [name, tamper] of cases) {
      const r = await enrollThrough(name, tamper);
      expect(r.out, name).toContain(`the console's client CA ${otherCa} is not its CA ${ca.caSha256}, the one the enrollment command names: not enrolling`);
      expect(r.code, name).toBe(1);
      expectNothingWritten(r.dataDir);
    }
  }, 60_000);

  it("refuses a CRL signed by another key, even in the pinned CA's name", async () => {
    const ca = await ensureConsoleCa();
    const forger = { ...caSigner(ca.caCertPem, readFileSync(ca.caKeyPath)), privateKey: createPrivateKey(newKeyPair().privateKeyPem) };
    const forged = signCrl(forger, { thisUpdate: new Date(), nextUpdate: new Date(Date.now() + 86_400_000), crlNumber: Date.now(), revoked: [] });
    const r = await enrollThrough("forged-crl", (a) => (a.crl = forged));
    expect(r.out).toContain(`the console sent a CRL this agent cannot use (it must be signed by the CA ${ca.caSha256}): the CRL is not signed by CN=Sysward console CA`);
    expect(r.code).toBe(1);
    expectNothingWritten(r.dataDir);
  }, 60_000);
});
