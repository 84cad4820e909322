// The console's CA on a real data dir: files and modes, what it signs (checked by the openssl
// command, an independent parser), and a CRL that openssl itself uses to refuse a revoked certificate.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { setupConsoleTestEnv } from "../testing/console-test-env";
import { certificateBySerial, revokeCertificate } from "./certificate-store";
import { consoleCaPaths, ensureConsoleCa } from "./console-ca";
import { currentCrlPem } from "./crl";
import { issueCertificate } from "./issue-certificate";
import { newKeyPair } from "./key-files";

const env = setupConsoleTestEnv();
afterAll(() => env.cleanup());

const mode = (p: string) => statSync(p).mode & 0o777;
/** openssl verify's verdict ("OK" or its error), so the assertions read what openssl decided. */
function opensslVerify(args: string[]): string {
  try {
    return execFileSync("openssl", ["verify", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (err) {
    return String((err as { stdout?: string; stderr?: string }).stdout ?? "") + String((err as { stderr?: string }).stderr ?? "");
  }
}

describe("the console's certificate authority", () => {
  it("is created on first use under the data dir: key 0600, dir 0700, a CA certificate and a client certificate it signed", async () => {
    const ca = await ensureConsoleCa();
    expect(ca.dir).toBe(join(env.consoleDataDir, "pki"));
    expect(mode(ca.dir)).toBe(0o700);
    expect(mode(ca.caKeyPath)).toBe(0o600);
    expect(mode(ca.clientKeyPath)).toBe(0o600);
    const caCert = new X509Certificate(readFileSync(ca.caCertPath));
    expect(caCert.ca).toBe(true);
    expect(ca.caSha256).toBe(caCert.fingerprint256);
    const client = new X509Certificate(readFileSync(ca.clientCertPath));
    expect(client.checkIssued(caCert) && client.verify(caCert.publicKey)).toBe(true);
    expect(opensslVerify(["-CAfile", ca.caCertPath, "-purpose", "sslclient", ca.clientCertPath])).toMatch(/: OK$/);
    expect(certificateBySerial(client.serialNumber)).toMatchObject({ kind: "client", revokedAt: null });
  });

  it("is kept across restarts: the same CA and client certificate", async () => {
    const before = await ensureConsoleCa();
    const clientBefore = readFileSync(before.clientCertPath, "utf8");
    delete (globalThis as Record<symbol, unknown>)[Symbol.for("sysward.console.ca")]; // as a new process would
    const after = await ensureConsoleCa();
    expect(after.caSha256).toBe(before.caSha256);
    expect(readFileSync(after.clientCertPath, "utf8")).toBe(clientBefore);
  });

  it("refuses to start a second CA when ca.key is gone but ca.crt is there", async () => {
    const p = consoleCaPaths();
    const key = readFileSync(p.caKeyPath, "utf8");
    execFileSync("rm", [p.caKeyPath]);
    delete (globalThis as Record<symbol, unknown>)[Symbol.for("sysward.console.ca")];
    await expect(ensureConsoleCa()).rejects.toThrow(/ca\.key is missing/);
    writeFileSync(p.caKeyPath, key, { mode: 0o644 });
    await ensureConsoleCa();
    expect(mode(p.caKeyPath)).toBe(0o600); // and a loosened mode is put back
  });

  it("signs agent server certificates for the address the console dials, and nothing else", async () => {
    const ca = await ensureConsoleCa();
    const cert = await issueCertificate(ca, { kind: "agent", commonName: "box-1", publicKeyPem: newKeyPair().publicKeyPem, agentId: "box-1", host: "10.1.2.3", days: 30 });
    const x = new X509Certificate(cert.pem);
    expect(x.subjectAltName).toBe("IP Address:10.1.2.3");
    expect(x.checkIP("10.1.2.3")).toBe("10.1.2.3");
    const certPath = join(env.root, "box-1.crt");
    writeFileSync(certPath, cert.pem);
    expect(opensslVerify(["-CAfile", ca.caCertPath, "-purpose", "sslserver", certPath])).toMatch(/: OK$/);
    // A server certificate is no client certificate: it cannot be used to reach other agents.
    expect(opensslVerify(["-CAfile", ca.caCertPath, "-purpose", "sslclient", certPath])).not.toMatch(/: OK$/);
    await expect(issueCertificate(ca, { kind: "agent", commonName: "x", publicKeyPem: newKeyPair().publicKeyPem, host: "bad host,DNS:evil", days: 1 })).rejects.toThrow(/neither an IP address nor a DNS name/);
    await expect(issueCertificate(ca, { kind: "client", commonName: "/CN=evil", publicKeyPem: newKeyPair().publicKeyPem, days: 1 })).rejects.toThrow(/certificate name/);
  });

  it("lists revoked certificates in its CRL, which openssl then uses to refuse them", async () => {
    const ca = await ensureConsoleCa();
    const keep = await issueCertificate(ca, { kind: "client", commonName: "kept", publicKeyPem: newKeyPair().publicKeyPem, days: 30 });
    const gone = await issueCertificate(ca, { kind: "client", commonName: "revoked one", publicKeyPem: newKeyPair().publicKeyPem, days: 30 });
    expect(revokeCertificate(gone.serial)).toBe(true);
    expect(revokeCertificate(gone.serial)).toBe(false);
    const crlPath = join(env.root, "crl.pem");
    writeFileSync(crlPath, await currentCrlPem(ca));
    const crlText = execFileSync("openssl", ["crl", "-in", crlPath, "-noout", "-text"], { encoding: "utf8" });
    expect(crlText).toContain(gone.serial);
    expect(crlText).not.toContain(keep.serial);
    for (const [name, c] of [["keep", keep], ["gone", gone]] as const) writeFileSync(join(env.root, `${name}.crt`), c.pem);
    const withCrl = ["-CAfile", ca.caCertPath, "-CRLfile", crlPath, "-crl_check"];
    expect(opensslVerify([...withCrl, join(env.root, "keep.crt")])).toMatch(/: OK$/);
    expect(opensslVerify([...withCrl, join(env.root, "gone.crt")])).toMatch(/revoked/);
  });
});
