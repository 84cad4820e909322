// The bytes an agent signs (ECDSA P-256, SHA-256) to prove it holds a private key; the console
// rebuilds them to verify. Versioned prefixes: a change of layout is a new version, not an edit.
// TextEncoder rather than Buffer so the module has no Node dependency.

const utf8 = new TextEncoder();

/** POST /api/enroll: the new key's holder enrolls with a one-time token for this address. */
export function enrollProofMessage(token: string, address: string, publicKeyPem: string): Uint8Array {
  return utf8.encode(`sysward-enroll-v1\n${token}\n${address}\n${publicKeyPem.trim()}\n`);
}

/**
 * POST /api/pki/agent-credentials: signed with the CURRENT certificate's key to fetch the CRL
 * and, with `newPublicKeyPem`, a renewed certificate. The time bounds replays.
 */
export function credentialsProofMessage(time: string, certFingerprint256: string, newPublicKeyPem: string | undefined): Uint8Array {
  return utf8.encode(`sysward-agent-credentials-v1\n${time}\n${certFingerprint256}\n${newPublicKeyPem?.trim() ?? ""}\n`);
}
