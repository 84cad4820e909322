import "server-only";
import { createHash, randomBytes } from "node:crypto";

// Session ids and API tokens are 32 random bytes: a fast hash is enough to store them
// (nothing to brute-force), and lookups stay a single indexed query.
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
