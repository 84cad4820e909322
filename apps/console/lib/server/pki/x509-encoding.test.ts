// The DER the console's CA writes (x509-encoding.ts), read back by independent parsers: the
// openssl command (-text, verify with purposes and names, crl -CAfile) and Node's X509Certificate.
// openssl is a test tool here only; the console itself never runs it.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, createPublicKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyCrl } from "../../../../agent/src/credentials/crl";
import { setupConsoleTestEnv } from "../testing/console-test-env";
import { recordCertificate, revokeCertificate } from "./certificate-store";
import { ensureConsoleCa, type ConsoleCa } from "./console-ca";
import { currentCrlPem } from "./crl";
import { issueCertificate, type IssueRequest } from "./issue-certificate";
import { newKeyPair } from "./key-files";

const env = setupConsoleTestEnv();
let ca: ConsoleCa;
let files = 0;

beforeAll(async () => {
  ca = await ensureConsoleCa();
});
afterAll(() => env.cleanup());

/** Writes a PEM where openssl can read it. */
function saved(pem: string, ext = "pem"): string {
  const path = join(env.root, `file-${++files}.${ext}`);
  writeFileSync(path, pem);
  return path;
}

/** openssl's stdout then stderr, whether it succeeded or not: the assertions read what openssl decided. */
function openssl(args: string[]): string {
  const run = spawnSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (run.error) throw run.error;
  return `${run.stdout}${run.stderr}`;
}

interface TextExtension {
  critical: boolean;
  value: string;
}

/** The "X509v3 extensions:" (or "CRL extensions:") block of `openssl x509|crl -text`, by name. */
function extensionsIn(text: string): Record<string, TextExtension> {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => /^\s*(X509v3|CRL) extensions:\s*$/.test(l));
  expect(start).toBeGreaterThan(-1);
  const indent = (l: string) => l.length - l.trimStart().length;
  const nameIndent = indent(lines[start + 1]!);
  const out: Record<string, TextExtension> = {};
  let current: TextExtension | undefined;
  for (const line of lines.slice(start + 1)) {
    if (!line.trim() || indent(line) < nameIndent) break;
    if (indent(line) === nameIndent) {
      const m = /^\s*(.+?):\s*(critical)?\s*$/.exec(line)!;
      current = { critical: m[2] === "critical", value: "" };
      out[m[1]!] = current;
    } else {
      current!.value = [current!.value, line.trim()].filter(Boolean).join("\n");
    }
  }
  return out;
}

/** RFC 5280 key identifier, computed here from the SPKI bytes: SHA-1 of the 65-byte P-256 point at its end. */
function expectedKeyId(publicKeyPem: string | Buffer): string {
  const spki = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  const hex = createHash("sha1").update(spki.subarray(spki.length - 65)).digest("hex").toUpperCase();
  return hex.match(/../g)!.join(":");
}

const colonHex = (serial: string) => serial.toLowerCase().match(/../g)!.join(":");
const DAY = 86_400_000;

async function issue(req: Partial<IssueRequest> & Pick<IssueRequest, "kind">) {
  const key = newKeyPair();
  const cert = await issueCertificate(ca, { commonName: "test-subject", publicKeyPem: key.publicKeyPem, days: 30, ...req });
  return { ...cert, path: saved(cert.pem, "crt"), publicKeyPem: key.publicKeyPem };
}

describe("the CA certificate", () => {
  it("is a self-signed v3 CA: CN, critical CA:TRUE and keyCertSign + cRLSign, a key identifier", () => {
    const text = openssl(["x509", "-in", ca.caCertPath, "-noout", "-text"]);
    expect(text).toContain("Version: 3 (0x2)");
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(text).toContain("Issuer: CN = Sysward console CA");
    expect(text).toContain("Subject: CN = Sysward console CA");
    expect(text).toContain("ASN1 OID: prime256v1");
    const exts = extensionsIn(text);
    expect(Object.keys(exts).sort()).toEqual(["X509v3 Basic Constraints", "X509v3 Key Usage", "X509v3 Subject Key Identifier"]);
    expect(exts["X509v3 Basic Constraints"]).toEqual({ critical: true, value: "CA:TRUE" });
    expect(exts["X509v3 Key Usage"]).toEqual({ critical: true, value: "Certificate Sign, CRL Sign" });
    expect(exts["X509v3 Subject Key Identifier"]).toEqual({ critical: false, value: expectedKeyId(readFileSync(ca.caCertPath)) });
    // Its own signature checks out, and it is a trust anchor openssl accepts.
    expect(openssl(["verify", "-check_ss_sig", "-CAfile", ca.caCertPath, ca.caCertPath])).toMatch(/: OK$/m);

    const x = new X509Certificate(readFileSync(ca.caCertPath));
    expect(x.ca).toBe(true);
    expect(x.checkIssued(x) && x.verify(x.publicKey)).toBe(true);
    expect(Math.abs(Date.parse(x.validTo) - (Date.parse(x.validFrom) + 3650 * DAY))).toBeLessThan(2000);
    expect(x.serialNumber).toMatch(/^[1-3][0-9A-F]{31}$/);
  });
});

describe("an agent (server) certificate", () => {
  it("carries exactly the extensions asked for, with the right criticality", async () => {
    const cert = await issue({ kind: "agent", agentId: "box-x", host: "10.1.2.3", days: 825 });
    const text = openssl(["x509", "-in", cert.path, "-noout", "-text"]);
    expect(text).toContain("Version: 3 (0x2)");
    expect(text).toContain(`Serial Number:\n            ${colonHex(cert.serial)}`);
    expect(text).toContain("Issuer: CN = Sysward console CA");
    expect(text).toContain("Subject: CN = test-subject");
    const exts = extensionsIn(text);
    expect(exts).toEqual({
      "X509v3 Basic Constraints": { critical: true, value: "CA:FALSE" },
      "X509v3 Key Usage": { critical: true, value: "Digital Signature" },
      "X509v3 Subject Key Identifier": { critical: false, value: expectedKeyId(cert.publicKeyPem) },
      "X509v3 Authority Key Identifier": { critical: false, value: expectedKeyId(readFileSync(ca.caCertPath)) },
      "X509v3 Extended Key Usage": { critical: false, value: "TLS Web Server Authentication" },
      "X509v3 Subject Alternative Name": { critical: false, value: "IP Address:10.1.2.3" },
    });
  });

  it("verifies for sslserver at its address, and not as a client or for another address", async () => {
    const cert = await issue({ kind: "agent", agentId: "box-y", host: "10.1.2.4" });
    const verify = (...args: string[]) => openssl(["verify", "-CAfile", ca.caCertPath, ...args, cert.path]);
    expect(verify("-purpose", "sslserver")).toMatch(/: OK$/m);
    expect(verify("-purpose", "sslserver", "-verify_ip", "10.1.2.4")).toMatch(/: OK$/m);
    expect(verify("-purpose", "sslserver", "-verify_ip", "10.1.2.5")).toMatch(/IP address mismatch/);
    expect(verify("-purpose", "sslclient")).toMatch(/unsuitable certificate purpose/);
  });

  it("names a DNS host, an IPv6 address and an IPv4-mapped one the way openssl and Node read them", async () => {
    const dns = await issue({ kind: "agent", agentId: "box-dns", host: "Box.Example.com" });
    expect(openssl(["verify", "-CAfile", ca.caCertPath, "-purpose", "sslserver", "-verify_hostname", "box.example.com", dns.path])).toMatch(/: OK$/m);
    expect(new X509Certificate(dns.pem).subjectAltName).toBe("DNS:box.example.com");
    for (const host of ["fd00::5", "::ffff:10.0.0.1", "2001:db8::1:0:0:1"]) {
      const v6 = await issue({ kind: "agent", agentId: "box-v6", host });
      expect(openssl(["verify", "-CAfile", ca.caCertPath, "-purpose", "sslserver", "-verify_ip", host, v6.path])).toMatch(/: OK$/m);
      expect(new X509Certificate(v6.pem).checkIP(host)).toBe(host);
    }
  });

  it("parses in Node: issued by the CA, signed by it, valid for `days` from now", async () => {
    const before = Date.now();
    const cert = await issue({ kind: "agent", agentId: "box-z", host: "10.9.8.7", days: 825 });
    const x = new X509Certificate(cert.pem);
    const caCert = new X509Certificate(ca.caCertPem);
    expect(x.checkIssued(caCert)).toBe(true);
    expect(x.verify(caCert.publicKey)).toBe(true);
    expect(x.ca).toBe(false);
    expect(x.issuer).toBe(caCert.subject);
    expect(x.subject).toBe("CN=test-subject");
    expect(x.subjectAltName).toBe("IP Address:10.9.8.7");
    expect(x.serialNumber).toBe(cert.serial);
    // Validity is whole seconds: notBefore is now (rounded down), notAfter `days` later.
    expect(Date.parse(x.validFrom)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(x.validFrom)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(x.validTo) - Date.parse(x.validFrom)).toBe(825 * DAY);
    expect(cert.notAfter).toBe(Date.parse(x.validTo));
    expect(x.fingerprint256).toBe(cert.fingerprint256);
  });
});

describe("a client certificate", () => {
  it("is for clientAuth only: no subject alternative name, sslclient yes, sslserver no", async () => {
    const cert = await issue({ kind: "client", commonName: "old console" });
    const exts = extensionsIn(openssl(["x509", "-in", cert.path, "-noout", "-text"]));
    expect(exts).toEqual({
      "X509v3 Basic Constraints": { critical: true, value: "CA:FALSE" },
      "X509v3 Key Usage": { critical: true, value: "Digital Signature" },
      "X509v3 Subject Key Identifier": { critical: false, value: expectedKeyId(cert.publicKeyPem) },
      "X509v3 Authority Key Identifier": { critical: false, value: expectedKeyId(readFileSync(ca.caCertPath)) },
      "X509v3 Extended Key Usage": { critical: false, value: "TLS Web Client Authentication" },
    });
    expect(openssl(["verify", "-CAfile", ca.caCertPath, "-purpose", "sslclient", cert.path])).toMatch(/: OK$/m);
    expect(openssl(["verify", "-CAfile", ca.caCertPath, "-purpose", "sslserver", cert.path])).toMatch(/unsuitable certificate purpose/);
    const x = new X509Certificate(cert.pem);
    expect(x.subject).toBe("CN=old console");
    expect(x.subjectAltName).toBeUndefined();
    expect(x.checkIssued(new X509Certificate(ca.caCertPem)) && x.verify(new X509Certificate(ca.caCertPem).publicKey)).toBe(true);
  });
});

describe("the CRL", () => {
  it("with nothing revoked yet: verified, and no empty list of revoked certificates in it", async () => {
    const crlPem = await currentCrlPem(ca);
    const crlPath = saved(crlPem, "crl");
    expect(openssl(["crl", "-in", crlPath, "-CAfile", ca.caCertPath, "-noout"])).toMatch(/verify OK/);
    expect(openssl(["crl", "-in", crlPath, "-noout", "-text"])).toContain("No Revoked Certificates.");
    // Fields of TBSCertList: version, signature, issuer, thisUpdate, nextUpdate, [0] extensions — and no SEQUENCE OF.
    const lines = openssl(["asn1parse", "-in", crlPath]).split("\n");
    const tbsEnd = lines.findIndex((l, i) => i > 1 && /^\s*\d+:d=1/.test(l)); // the outer signatureAlgorithm
    const tbsFields = lines.slice(0, tbsEnd).filter((l) => /^\s*\d+:d=2/.test(l)).map((l) => /(cons|prim): (\S+)/.exec(l)![2]);
    expect(tbsFields).toEqual(["INTEGER", "SEQUENCE", "SEQUENCE", "UTCTIME", "UTCTIME", "cont"]);
    // ecdsa-with-SHA256 with its parameters absent (RFC 5758), not NULL.
    expect(lines.slice(tbsEnd, tbsEnd + 3).join("\n")).toMatch(/d=1 .*SEQUENCE\s*\n.*d=2 .*OBJECT\s*:ecdsa-with-SHA256\s*\n.*d=1 .*BIT STRING/);
    expect(verifyCrl(crlPem, ca.caCertPem).revokedSerials).toEqual([]);
  });

  it("is a v2 CRL openssl verifies against the CA, listing each revoked serial with its date", async () => {
    const kept = await issue({ kind: "client", commonName: "kept" });
    const gone = await issue({ kind: "client", commonName: "gone" });
    const goneToo = await issue({ kind: "agent", agentId: "box-gone", host: "10.0.0.9" });
    revokeCertificate(gone.serial);
    revokeCertificate(goneToo.serial);
    const made = Date.now();
    const crlPem = await currentCrlPem(ca);
    const crlPath = saved(crlPem, "crl");
    expect(openssl(["crl", "-in", crlPath, "-CAfile", ca.caCertPath, "-noout"])).toMatch(/verify OK/);
    const text = openssl(["crl", "-in", crlPath, "-noout", "-text"]);
    expect(text).toContain("Version 2 (0x1)");
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(text).toContain("Issuer: CN = Sysward console CA");
    const exts = extensionsIn(text);
    expect(Object.keys(exts).sort()).toEqual(["X509v3 Authority Key Identifier", "X509v3 CRL Number"]);
    expect(exts["X509v3 Authority Key Identifier"]).toEqual({ critical: false, value: expectedKeyId(readFileSync(ca.caCertPath)) });
    expect(exts["X509v3 CRL Number"]!.critical).toBe(false);
    for (const c of [gone, goneToo]) expect(text).toMatch(new RegExp(`Serial Number: ${c.serial}\\n\\s+Revocation Date: \\w+ +\\d+ [\\d:]+ \\d{4} GMT`));
    expect(text).not.toContain(kept.serial);
    // Dates as openssl reads them: thisUpdate now, nextUpdate SYSWARD_CRL_DAYS (7) later.
    const lastUpdate = Date.parse(/Last Update: (.+)/.exec(text)![1]!);
    const nextUpdate = Date.parse(/Next Update: (.+)/.exec(text)![1]!);
    expect(Math.abs(lastUpdate - made)).toBeLessThan(2000);
    expect(nextUpdate - lastUpdate).toBe(7 * DAY);

    // The agent's own verifier agrees, and openssl refuses the revoked certificates with it.
    const facts = verifyCrl(crlPem, ca.caCertPem);
    expect(facts.revokedSerials).toEqual(expect.arrayContaining([gone.serial, goneToo.serial]));
    expect(facts.revokedSerials).not.toContain(kept.serial);
    const withCrl = ["verify", "-CAfile", ca.caCertPath, "-CRLfile", crlPath, "-crl_check"];
    expect(openssl([...withCrl, kept.path])).toMatch(/: OK$/m);
    expect(openssl([...withCrl, gone.path])).toMatch(/certificate revoked/);
  });

  it("numbers each CRL higher than the one before", async () => {
    const number = async () => {
      const text = openssl(["crl", "-in", saved(await currentCrlPem(ca), "crl"), "-noout", "-text"]);
      return BigInt(`0x${extensionsIn(text)["X509v3 CRL Number"]!.value.replace(/^0x/i, "").replace(/[^0-9a-f]/gi, "")}`);
    };
    const first = await number();
    const t = Date.now();
    while (Date.now() === t) await new Promise((r) => setTimeout(r, 1));
    expect(await number()).toBeGreaterThan(first);
  });

  it("writes serials from the DB as positive integers, even with the top bit set or leading zeros", async () => {
    for (const serial of ["80AB01", "0F", "00FF"]) {
      recordCertificate({ serial, fingerprint256: `fp-${serial}`, kind: "client", subject: "odd", agentId: null, notAfter: Date.now() + DAY, issuedAt: Date.now() });
      revokeCertificate(serial);
    }
    const crlPem = await currentCrlPem(ca);
    const text = openssl(["crl", "-in", saved(crlPem, "crl"), "-noout", "-text"]);
    expect(text).not.toContain("Negative");
    for (const shown of ["80AB01", "0F", "FF"]) expect(text).toContain(`Serial Number: ${shown}\n`);
    expect(verifyCrl(crlPem, ca.caCertPem).revokedSerials).toEqual(expect.arrayContaining(["80AB01", "0F", "FF"]));
  });
});

describe("a CA made by the openssl command (an existing install's ca.key + ca.crt)", () => {
  it("keeps signing: same issuer bytes, the key identifier from its certificate, verified by openssl", async () => {
    const dir = join(env.root, "old-ca");
    mkdirSync(dir);
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const old = { caKeyPath: join(dir, "ca.key"), caCertPath: join(dir, "ca.crt") };
    writeFileSync(old.caKeyPath, privateKey.export({ type: "pkcs8", format: "pem" }) as string, { mode: 0o600 });
    writeFileSync(join(dir, "req.cnf"), ["[req]", "distinguished_name = dn", "x509_extensions = v3_ca", "prompt = no", "[dn]", "CN = Sysward console CA", "[v3_ca]", "basicConstraints = critical,CA:TRUE", "keyUsage = critical,keyCertSign,cRLSign", "subjectKeyIdentifier = hash"].join("\n") + "\n");
    execFileSync("openssl", ["req", "-x509", "-new", "-config", join(dir, "req.cnf"), "-key", old.caKeyPath, "-days", "30", "-sha256", "-out", old.caCertPath], { stdio: "ignore" });

    const cert = await issueCertificate(old, { kind: "agent", commonName: "box-old", publicKeyPem: newKeyPair().publicKeyPem, agentId: "box-old", host: "10.0.0.77", days: 30 });
    const path = saved(cert.pem, "crt");
    expect(openssl(["verify", "-CAfile", old.caCertPath, "-purpose", "sslserver", "-verify_ip", "10.0.0.77", path])).toMatch(/: OK$/m);
    expect(extensionsIn(openssl(["x509", "-in", path, "-noout", "-text"]))["X509v3 Authority Key Identifier"]!.value).toBe(expectedKeyId(readFileSync(old.caCertPath)));
    // The issuer is the CA's subject, byte for byte (checkIssued compares the DER names).
    expect(new X509Certificate(cert.pem).checkIssued(new X509Certificate(readFileSync(old.caCertPath)))).toBe(true);
    revokeCertificate(cert.serial);
    expect(openssl(["crl", "-in", saved(await currentCrlPem(old), "crl"), "-CAfile", old.caCertPath, "-noout"])).toMatch(/verify OK/);
  });

  it("refuses a ca.key that is not ca.crt's, or not P-256", async () => {
    const dir = join(env.root, "mismatched");
    mkdirSync(dir);
    const other = { caCertPath: ca.caCertPath, caKeyPath: join(dir, "other.key") };
    writeFileSync(other.caKeyPath, newKeyPair().privateKeyPem);
    const req: IssueRequest = { kind: "client", commonName: "x", publicKeyPem: newKeyPair().publicKeyPem, days: 1 };
    await expect(issueCertificate(other, req)).rejects.toThrow(/does not belong to the CA certificate/);
    await expect(currentCrlPem(other)).rejects.toThrow(/does not belong to the CA certificate/);
    writeFileSync(other.caKeyPath, generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }) as string);
    await expect(issueCertificate(other, req)).rejects.toThrow(/not ECDSA P-256/);
  });
});
