import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Checks an Authorization header against the agent's token in constant time.
 * Both sides are hashed first so the comparison never leaks the token's length.
 */
export function createTokenCheck(token: string): (authorization: string | null | undefined) => boolean {
  const want = createHash("sha256").update(token).digest();
  return (authorization) => {
    if (!authorization) return false;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const got = createHash("sha256").update(match?.[1] ?? "").digest();
    return timingSafeEqual(want, got) && match !== null;
  };
}
