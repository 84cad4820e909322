import "server-only";
// Signs a certificate for a public key with the console's CA (openssl x509 -new -force_pubkey)
// and records it, so it can be revoked later. Agent (server) certificates name the host the
// console dials; client certificates are what the console shows agents.
import { randomBytes, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordCertificate, type CertificateKind } from "./certificate-store";
import { openssl } from "./openssl";

export interface CaFiles {
  caCertPath: string;
  caKeyPath: string;
}

export interface IssueRequest {
  kind: CertificateKind;
  /** Letters, digits, spaces, '.', '-' and '_' only: it goes into openssl's -subj. */
  commonName: string;
  publicKeyPem: string;
  /** For agent certificates: the agent it was issued to (revoked when the agent is removed). */
  agentId?: string;
  /** For agent certificates: the IP address or DNS name the console connects to. */
  host?: string;
  days: number;
}

export interface IssuedCertificate {
  pem: string;
  serial: string;
  fingerprint256: string;
  notAfter: number;
}

/** How long an agent's server certificate lasts; agents renew theirs 30 days before the end. */
export const AGENT_CERT_DAYS = 825;

const COMMON_NAME = /^[A-Za-z0-9 ._-]{1,64}$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** "IP:10.0.0.5" or "DNS:box.example.com" — or an error for anything else. */
export function subjectAltName(host: string): string {
  if (isIP(host)) return `IP:${host}`;
  if (DNS_NAME.test(host)) return `DNS:${host.toLowerCase()}`;
  throw new Error(`${JSON.stringify(host)} is neither an IP address nor a DNS name`);
}

/** 16 random bytes, positive and without a leading zero byte, so every tool prints it the same. */
function newSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x3f) | 0x10;
  return b.toString("hex").toUpperCase();
}

function extensions(req: IssueRequest): string {
  const lines = ["[ext]", "basicConstraints = critical,CA:FALSE", "keyUsage = critical,digitalSignature", "subjectKeyIdentifier = hash", "authorityKeyIdentifier = keyid"];
  if (req.kind === "agent") {
    if (!req.host) throw new Error("an agent certificate needs the host the console connects to");
    lines.push("extendedKeyUsage = serverAuth", `subjectAltName = ${subjectAltName(req.host)}`);
  } else {
    lines.push("extendedKeyUsage = clientAuth");
  }
  return lines.join("\n") + "\n";
}

export async function issueCertificate(ca: CaFiles, req: IssueRequest): Promise<IssuedCertificate> {
  if (!COMMON_NAME.test(req.commonName)) throw new Error(`certificate name ${JSON.stringify(req.commonName)}: use letters, digits, spaces, '.', '-' or '_'`);
  const ext = extensions(req);
  const serial = newSerial();
  const work = mkdtempSync(join(tmpdir(), "sysward-ca-"));
  try {
    writeFileSync(join(work, "subject.pub"), req.publicKeyPem);
    writeFileSync(join(work, "ext.cnf"), ext);
    // -subj is parsed by openssl; the name was checked above.
    await openssl(
      ["x509", "-new", "-force_pubkey", "subject.pub", "-CA", ca.caCertPath, "-CAkey", ca.caKeyPath, "-set_serial", `0x${serial}`, "-days", String(req.days), "-subj", `/CN=${req.commonName}`, "-extfile", "ext.cnf", "-extensions", "ext", "-sha256", "-out", "cert.pem"],
      work,
    );
    const pem = readFileSync(join(work, "cert.pem"), "utf8");
    const x509 = new X509Certificate(pem);
    const issued = { pem, serial: x509.serialNumber, fingerprint256: x509.fingerprint256, notAfter: Date.parse(x509.validTo) };
    recordCertificate({ serial: issued.serial, fingerprint256: issued.fingerprint256, kind: req.kind, subject: req.commonName, agentId: req.agentId ?? null, notAfter: issued.notAfter, issuedAt: Date.now() });
    return issued;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
