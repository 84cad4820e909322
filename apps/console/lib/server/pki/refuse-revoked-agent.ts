import "server-only";
// On every TLS handshake with an agent: the usual host-name check, then refuse a certificate the
// console revoked (the agent was removed). This is what makes a removed agent's certificate
// stop working even if someone registers its address again.
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { isRevokedFingerprint } from "./certificate-store";

export function refuseRevokedAgent(host: string, cert: PeerCertificate): Error | undefined {
  const hostProblem = checkServerIdentity(host, cert);
  if (hostProblem) return hostProblem;
  if (cert.fingerprint256 && isRevokedFingerprint(cert.fingerprint256)) {
    return new Error(`the agent at ${host} presented certificate ${cert.serialNumber}, which this console revoked when the agent was removed; enrol the machine again`);
  }
  return undefined;
}
