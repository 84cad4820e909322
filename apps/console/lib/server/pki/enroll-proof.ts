import "server-only";
// Proof that an agent holds the private key of the public key it sends: it signs the bytes
// @sysward/contract builds for enrollment and for the credentials refresh (ECDSA P-256, SHA-256).
import { createPublicKey, verify, type KeyObject } from "node:crypto";

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

export function proofHolds(key: KeyObject, message: Uint8Array, proofBase64: string): boolean {
  try {
    return verify("sha256", message, key, Buffer.from(proofBase64, "base64"));
  } catch {
    return false;
  }
}
