import "server-only";
// POST /api/pki/agent-credentials — an enrolled agent's hourly visit: it proves it holds the key
// of a certificate this console issued to a registered agent (not revoked, not expired) and gets
// the current CRL; with a new public key it also gets a renewed certificate for the same host.
// No session or API token: the agent's certificate and a fresh signature are the credential.
import { X509Certificate } from "node:crypto";
import type { NextRequest } from "next/server";
import { z } from "zod";
import { credentialsProofMessage } from "@sysward/contract";
import { audit } from "../audit/audit-log";
import { clientAddress } from "../auth/request-facts";
import { parseAgentAddress } from "../agents/agent-address";
import { getAgentRecord } from "../agents/registry";
import { jsonError } from "../http-errors";
import { getLogger } from "../log";
import { certificateBySerial, newestAgentCertificateIssuedAt } from "./certificate-store";
import { ensureConsoleCa } from "./console-ca";
import { publishedCrlPem } from "./crl";
import { parseAgentPublicKey, proofHolds } from "./enroll-proof";
import { AGENT_CERT_DAYS, issueCertificate } from "./issue-certificate";
import { smallJsonBody } from "./small-json-body";

/** How far the agent's clock and ours may disagree, and how long a proof can be replayed. */
const PROOF_WINDOW_MS = 5 * 60_000;
/** At most one certificate per agent per 10 s: a misbehaving agent cannot fill the certificates table. */
const RENEW_INTERVAL_MS = 10_000;

const Body = z.object({
  /** The agent's current certificate (PEM). */
  certificate: z.string().max(8000),
  /** ISO time the proof was made. */
  time: z.string().max(40),
  /** base64 ECDSA-SHA256 signature by the certificate's key of credentialsProofMessage(...). */
  proof: z.string().max(200),
  /** To renew: the SPKI PEM of the agent's new P-256 key. */
  publicKey: z.string().max(2000).optional(),
});

const DENIED = "this request does not prove it comes from an enrolled agent";

export async function handleAgentCredentials(req: NextRequest): Promise<Response> {
  const from = clientAddress(req);
  const actor = { username: "(agent)" };
  const deny = (detail: string, target: string | null = null, message = DENIED) => {
    audit({ actor, address: from, action: "agent.credentials", target, result: "denied", detail });
    return jsonError(401, message);
  };
  const parsed = Body.safeParse(await smallJsonBody(req));
  if (!parsed.success) return deny("no certificate, time and proof in the body");
  const body = parsed.data;
  const ca = await ensureConsoleCa();

  let cert: X509Certificate;
  try {
    cert = new X509Certificate(body.certificate);
  } catch {
    return deny("the certificate does not parse");
  }
  const caCert = new X509Certificate(ca.caCertPem);
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return deny("a certificate this console's CA did not sign");
  const record = certificateBySerial(cert.serialNumber);
  if (!record || record.kind !== "agent" || record.fingerprint256 !== cert.fingerprint256 || !record.agentId) return deny(`certificate ${cert.serialNumber} is not an agent certificate of this console`);
  const agentId = record.agentId;
  if (record.revokedAt !== null) {
    return deny(`certificate ${cert.serialNumber} is revoked`, agentId, `certificate ${cert.serialNumber} was revoked when this machine was removed from the console: enrol it again`);
  }
  if (Date.parse(cert.validTo) <= Date.now()) return deny(`certificate ${cert.serialNumber} expired ${cert.validTo}`, agentId, `certificate ${cert.serialNumber} expired on ${cert.validTo}: enrol this machine again`);
  const agent = getAgentRecord(agentId);
  if (!agent) return deny(`agent ${agentId} is no longer registered`, agentId, "this machine is no longer registered with the console: enrol it again");
  const time = Date.parse(body.time);
  if (!Number.isFinite(time) || Math.abs(Date.now() - time) > PROOF_WINDOW_MS) {
    return deny(`proof time ${body.time.slice(0, 40)} is not within 5 minutes of the console's clock`, agentId, `the request's time (${body.time.slice(0, 40)}) is more than 5 minutes from the console's clock (${new Date().toISOString()}): check both clocks`);
  }
  if (!proofHolds(cert.publicKey, credentialsProofMessage(body.time, cert.fingerprint256, body.publicKey), body.proof)) return deny("the proof is not signed by the certificate's key", agentId);

  const crl = await publishedCrlPem(ca);
  if (body.publicKey === undefined) return Response.json({ crl }, { headers: { "cache-control": "no-store" } });

  const key = parseAgentPublicKey(body.publicKey);
  if (typeof key === "string") return jsonError(400, key);
  const last = newestAgentCertificateIssuedAt(agentId);
  if (last !== null && Date.now() - last < RENEW_INTERVAL_MS) {
    const retry = Math.ceil((RENEW_INTERVAL_MS - (Date.now() - last)) / 1000);
    return jsonError(429, `this agent was issued a certificate ${Math.round((Date.now() - last) / 1000)} s ago; renew again in ${retry} s`, { retryAfterSeconds: retry }, { "retry-after": String(retry) });
  }
  const address = parseAgentAddress(agent.address);
  if (address.kind !== "https") return jsonError(409, `agent ${agentId} is registered at ${agent.address}, not over https: nothing to renew`);
  const host = address.url.hostname.replace(/^\[(.*)\]$/, "$1");
  const renewed = await issueCertificate(ca, { kind: "agent", commonName: agentId, publicKeyPem: body.publicKey, agentId, host, days: AGENT_CERT_DAYS });
  audit({ actor, address: from, action: "agent.renew", target: agentId, result: "ok", detail: `certificate ${cert.serialNumber} → ${renewed.serial}, valid until ${new Date(renewed.notAfter).toISOString()}` });
  getLogger().info({ agentId, old: cert.serialNumber, serial: renewed.serial }, "agent certificate renewed");
  return Response.json({ crl, cert: renewed.pem, caCert: ca.caCertPem }, { headers: { "cache-control": "no-store" } });
}
