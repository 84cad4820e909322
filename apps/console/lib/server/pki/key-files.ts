import "server-only";
// ECDSA P-256 key pairs from Node's crypto, and files written whole (temp file + rename) so a
// crash never leaves half a key or certificate behind.
import { generateKeyPairSync } from "node:crypto";
import { renameSync, writeFileSync } from "node:fs";

export function newKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }) as string,
  };
}

export function writeFileWhole(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}
