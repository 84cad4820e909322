import "server-only";
// On every TLS handshake with a remote agent: the usual host-name check, then the console's own
// record of the certificate. A certificate a person can get with any enrollment token names only
// a host, so the host check alone would let one machine answer for another agent's address (the
// same IP on another port, a name that resolves elsewhere) and be handed that agent's bearer
// token and packages. So a certificate of the console's CA must be the one issued to the agent
// being dialled, and never a revoked one (the agent was removed).
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { certificateByFingerprint } from "./certificate-store";
import { consoleCaPaths } from "./console-ca";

export function checkAgentCertificate(agentId: string, host: string, cert: PeerCertificate): Error | undefined {
  const hostProblem = checkServerIdentity(host, cert);
  if (hostProblem) return hostProblem;
  const presented = `the agent at ${host} presented certificate ${cert.serialNumber}`;
  const record = cert.fingerprint256 ? certificateByFingerprint(cert.fingerprint256) : null;
  if (record?.revokedAt) return new Error(`${presented}, which this console revoked when the agent was removed; enrol the machine again`);
  if (record) {
    if (record.kind === "agent" && record.agentId === agentId) return undefined;
    const owner = record.kind === "agent" ? `agent ${JSON.stringify(record.agentId)}` : "the console itself (a client certificate)";
    return new Error(`${presented}, which this console issued to ${owner}, not to ${JSON.stringify(agentId)}: another machine is answering at this agent's address`);
  }
  // Not in the records: fine for an agent registered by hand with a CA of its own (that CA is
  // the trust), never for one of the console's CA.
  if (issuedByConsoleCa(cert)) return new Error(`${presented}, signed by this console's CA but issued to no agent it knows: refusing it`);
  return undefined;
}

function issuedByConsoleCa(cert: PeerCertificate): boolean {
  const caPath = consoleCaPaths().caCertPath;
  if (!cert.raw || !existsSync(caPath)) return false;
  const ca = new X509Certificate(readFileSync(caPath));
  const x509 = new X509Certificate(cert.raw);
  return x509.checkIssued(ca) && x509.verify(ca.publicKey);
}
