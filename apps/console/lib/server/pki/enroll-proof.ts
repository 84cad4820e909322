import "server-only";
// Proof that the enrolling agent holds the private key of the public key it sends: it signs
// this message (ECDSA P-256, SHA-256). The agent builds the same bytes in
// apps/agent/src/enroll/enroll-request.ts — change both or neither.
import { createPublicKey, verify, type KeyObject } from "node:crypto";

export function enrollProofMessage(token: string, address: string, publicKeyPem: string): Buffer {
  return Buffer.from(`sysward-enroll-v1\n${token}\n${address}\n${publicKeyPem.trim()}\n`);
}

/** The agent's public key, if it is an EC P-256 key in SPKI PEM; else an error message. */
export function parseAgentPublicKey(pem: string): KeyObject | string {
  try {
    const key = createPublicKey({ key: pem, format: "pem" });
    if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") return "publicKey must be an ECDSA P-256 key";
    return key;
  } catch {
    return "publicKey is not a PEM public key";
  }
}

export function proofHolds(key: KeyObject, message: Buffer, proofBase64: string): boolean {
  try {
    return verify("sha256", message, key, Buffer.from(proofBase64, "base64"));
  } catch {
    return false;
  }
}

/**
 * What an enrolled agent signs with its CURRENT certificate's key to fetch the CRL and, with
 * `newPublicKeyPem`, a renewed certificate (POST /api/pki/agent-credentials). The time bounds
 * replays; the agent builds the same bytes in apps/agent/src/credentials/credentials-request.ts.
 */
export function credentialsProofMessage(time: string, certFingerprint256: string, newPublicKeyPem: string | undefined): Buffer {
  return Buffer.from(`sysward-agent-credentials-v1\n${time}\n${certFingerprint256}\n${newPublicKeyPem?.trim() ?? ""}\n`);
}
