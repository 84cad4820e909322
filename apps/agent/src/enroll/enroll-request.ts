// The agent's half of POST /api/enroll: a new ECDSA P-256 key, a signature proving it holds it,
// and the console's answer checked before anything is trusted. The signed bytes are shared with
// the console (@sysward/contract).
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, X509Certificate } from "node:crypto";
import { enrollProofMessage } from "@sysward/contract";
import { verifyCrl } from "../credentials/crl";
import { consoleReason, postToConsole } from "./post-to-console";

export interface EnrollRequest {
  consoleUrl: string;
  token: string;
  /** host:port the console will dial. */
  address: string;
  agentToken: string;
  caSha256?: string;
}

export interface Enrolled {
  agentId: string;
  name: string;
  /** https://host:port as the console registered it. */
  address: string;
  keyPem: string;
  certPem: string;
  caCertPem: string;
  clientCaCertPem: string;
  crlPem: string;
}

export class EnrollError extends Error {}

const TIMEOUT_MS = 30_000;

interface Answer {
  agentId?: unknown;
  name?: unknown;
  address?: unknown;
  cert?: unknown;
  caCert?: unknown;
  clientCaCert?: unknown;
  crl?: unknown;
  error?: unknown;
}

const normalizeFingerprint = (fp: string) => fp.replace(/:/g, "").toUpperCase();

export async function requestCertificate(req: EnrollRequest): Promise<Enrolled> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }) as string;
  const proof = sign("sha256", enrollProofMessage(req.token, req.address, publicKeyPem), privateKey).toString("base64");
  const url = `${req.consoleUrl}/api/enroll`;
  const res = await postToConsole<Answer>(
    url,
    { token: req.token, address: req.address, publicKey: publicKeyPem, proof, agentToken: req.agentToken },
    TIMEOUT_MS,
    (m) => new EnrollError(m),
  );
  const answer = res.body;
  if (!res.ok) throw new EnrollError(`the console refused the enrollment (${res.status}): ${consoleReason(answer)}`);
  const s = (k: keyof Answer): string => {
    const v = answer[k];
    if (typeof v !== "string" || v === "") throw new EnrollError(`the console's answer has no ${k}`);
    return v;
  };
  const enrolled: Enrolled = {
    agentId: s("agentId"),
    name: s("name"),
    address: s("address"),
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    certPem: s("cert"),
    caCertPem: s("caCert"),
    clientCaCertPem: s("clientCaCert"),
    crlPem: s("crl"),
  };
  checkAnswer(enrolled, req.caSha256);
  return enrolled;
}

/**
 * Nothing is written unless the certificate is for our key, signed by the CA we were told to
 * expect — and that same CA is the client CA and the CRL's signer: the client CA decides whom this
 * agent's listener lets in, and the CRL whom it keeps out, so neither may come from anyone else.
 */
function checkAnswer(e: Enrolled, caSha256: string | undefined): void {
  let cert: X509Certificate, ca: X509Certificate, clientCa: X509Certificate;
  try {
    cert = new X509Certificate(e.certPem);
    ca = new X509Certificate(e.caCertPem);
    clientCa = new X509Certificate(e.clientCaCertPem);
  } catch (err) {
    throw new EnrollError(`the console sent a certificate that does not parse: ${(err as Error).message}`);
  }
  if (caSha256 && normalizeFingerprint(ca.fingerprint256) !== normalizeFingerprint(caSha256)) {
    throw new EnrollError(`the console's CA is ${ca.fingerprint256}, not the ${caSha256} the enrollment command names: not enrolling (wrong console, or someone in between)`);
  }
  if (clientCa.fingerprint256 !== ca.fingerprint256) {
    throw new EnrollError(
      `the console's client CA ${clientCa.fingerprint256} is not its CA ${ca.fingerprint256}${caSha256 ? ", the one the enrollment command names" : ""}: not enrolling (this agent would let in clients of a CA nobody checked: wrong console, or someone in between)`,
    );
  }
  if (!ca.ca) throw new EnrollError("the console sent a CA certificate that is not a CA");
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw new EnrollError("the console's certificate for this agent is not signed by its CA");
  const mine = createPublicKey(createPrivateKey(e.keyPem)).export({ type: "spki", format: "der" });
  if (!cert.publicKey.export({ type: "spki", format: "der" }).equals(mine)) throw new EnrollError("the console's certificate is for another key");
  try {
    verifyCrl(e.crlPem, e.caCertPem);
  } catch (err) {
    throw new EnrollError(`the console sent a CRL this agent cannot use (it must be signed by the CA ${ca.fingerprint256}): ${(err as Error).message}`);
  }
}
