import "server-only";
// Signs a certificate for a public key with the console's CA (x509-encoding.ts) and records it,
// so it can be revoked later. Agent (server) certificates name the host the console dials;
// client certificates are what the console shows agents.
import { createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { id_kp_clientAuth, id_kp_serverAuth, KeyUsageFlags, type Extension } from "@peculiar/asn1-x509";
import { recordCertificate, type CertificateKind } from "./certificate-store";
import { caSigner, commonNameOnly, ext, newSerial, signCertificate } from "./x509-encoding";

export interface CaFiles {
  caCertPath: string;
  caKeyPath: string;
}

export interface IssueRequest {
  kind: CertificateKind;
  /** Letters, digits, spaces, '.', '-' and '_' only: a plain name that reads the same in every tool. */
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
function subjectAltName(host: string): string {
  if (isIP(host)) return `IP:${host}`;
  if (DNS_NAME.test(host)) return `DNS:${host.toLowerCase()}`;
  throw new Error(`${JSON.stringify(host)} is neither an IP address nor a DNS name`);
}

function extensions(req: IssueRequest, publicKey: KeyObject, caKeyId: Buffer): Extension[] {
  const common = [ext.basicConstraints(false), ext.keyUsage(KeyUsageFlags.digitalSignature), ext.subjectKeyIdentifier(publicKey), ext.authorityKeyIdentifier(caKeyId)];
  if (req.kind === "agent") {
    if (!req.host) throw new Error("an agent certificate needs the host the console connects to");
    return [...common, ext.extendedKeyUsage(id_kp_serverAuth), ext.subjectAltName(subjectAltName(req.host))];
  }
  return [...common, ext.extendedKeyUsage(id_kp_clientAuth)];
}

export async function issueCertificate(ca: CaFiles, req: IssueRequest): Promise<IssuedCertificate> {
  if (!COMMON_NAME.test(req.commonName)) throw new Error(`certificate name ${JSON.stringify(req.commonName)}: use letters, digits, spaces, '.', '-' or '_'`);
  const issuer = caSigner(readFileSync(ca.caCertPath, "utf8"), readFileSync(ca.caKeyPath));
  const publicKey = createPublicKey(req.publicKeyPem);
  const now = Date.now();
  const pem = signCertificate(
    {
      serial: newSerial(),
      issuer: issuer.name,
      subject: commonNameOnly(req.commonName),
      publicKey,
      notBefore: new Date(now),
      notAfter: new Date(now + req.days * 86_400_000),
      extensions: extensions(req, publicKey, issuer.keyId),
    },
    issuer.privateKey,
  );
  const x509 = new X509Certificate(pem);
  const issued = { pem, serial: x509.serialNumber, fingerprint256: x509.fingerprint256, notAfter: Date.parse(x509.validTo) };
  recordCertificate({ serial: issued.serial, fingerprint256: issued.fingerprint256, kind: req.kind, subject: req.commonName, agentId: req.agentId ?? null, notAfter: issued.notAfter, issuedAt: Date.now() });
  return issued;
}
