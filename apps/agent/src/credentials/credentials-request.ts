// The agent's half of POST /api/pki/agent-credentials: prove it holds its current certificate's
// key (a signature over the time, the certificate's fingerprint and, to renew, a new public key)
// and get the console's current CRL — and, when renewing, a new certificate. The signed bytes are
// shared with the console (@sysward/contract).
import { credentialsProofMessage } from "@sysward/contract";
import { sign, X509Certificate, type KeyObject } from "node:crypto";
import { consoleReason, postToConsole } from "../enroll/post-to-console";

export interface CredentialsRequest {
  consoleUrl: string;
  certPem: string;
  key: KeyObject;
  /** To renew: the new key's SPKI PEM. */
  newPublicKeyPem?: string;
  timeoutMs?: number;
}

export interface CredentialsAnswer {
  crlPem: string;
  /** Present when a renewal was asked for. */
  certPem?: string;
}

export class CredentialsError extends Error {
  constructor(
    message: string,
    /** The console answered and said no (401/409): retrying soon will not help. */
    readonly refused = false,
    /** The console asked the agent to come back after this long (429). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export async function requestCredentials(req: CredentialsRequest): Promise<CredentialsAnswer> {
  const time = new Date().toISOString();
  const fingerprint = new X509Certificate(req.certPem).fingerprint256;
  const proof = sign("sha256", credentialsProofMessage(time, fingerprint, req.newPublicKeyPem), req.key).toString("base64");
  const url = `${req.consoleUrl}/api/pki/agent-credentials`;
  const res = await postToConsole<{ crl: unknown; cert: unknown; error: unknown; retryAfterSeconds: unknown }>(
    url,
    { certificate: req.certPem, time, proof, publicKey: req.newPublicKeyPem },
    req.timeoutMs ?? 30_000,
    (m) => new CredentialsError(m),
  );
  const answer = res.body;
  if (!res.ok) {
    const retryAfter = typeof answer.retryAfterSeconds === "number" ? answer.retryAfterSeconds * 1000 : undefined;
    throw new CredentialsError(`the console refused (${res.status}): ${consoleReason(answer)}`, res.status === 401 || res.status === 409, retryAfter);
  }
  if (typeof answer.crl !== "string") throw new CredentialsError("the console's answer has no CRL");
  if (req.newPublicKeyPem !== undefined && typeof answer.cert !== "string") throw new CredentialsError("the console's answer has no renewed certificate");
  return { crlPem: answer.crl, certPem: typeof answer.cert === "string" ? answer.cert : undefined };
}
