import "server-only";
// What the console shows an agent. Stored in the console DB as JSON:
//  - {kind:"token-file", path}: the local agent; its token file is re-read when it changes;
//  - {kind:"token", token}: a bearer token (unix sockets of other local agents);
//  - {kind:"mtls", token, caPath, certPath, keyPath}: a remote agent over https — TLS with a client
//    certificate AND its bearer token (the agent requires both on its TCP listener).
import { readFileSync, statSync } from "node:fs";
import { isSealed, seal, unseal } from "../secrets/secret-box";

export type AgentCredential =
  | { kind: "token-file"; path: string }
  | { kind: "token"; token: string }
  | { kind: "mtls"; token: string; caPath: string; certPath: string; keyPath: string };

const str = (v: unknown): v is string => typeof v === "string" && v !== "";

export function parseCredential(value: unknown): AgentCredential {
  const c = (typeof value === "string" ? JSON.parse(value) : value) as Record<string, unknown> | null;
  if (c?.kind === "token-file" && str(c.path)) return { kind: "token-file", path: c.path };
  if (c?.kind === "token" && str(c.token)) return { kind: "token", token: c.token };
  if (c?.kind === "mtls" && str(c.token) && str(c.caPath) && str(c.certPath) && str(c.keyPath)) {
    return { kind: "mtls", token: c.token, caPath: c.caPath, certPath: c.certPath, keyPath: c.keyPath };
  }
  throw new Error('an agent credential is {"kind":"token-file","path"}, {"kind":"token","token"} or {"kind":"mtls","token","caPath","certPath","keyPath"}');
}

/** For the agents table: a credential holding a token is sealed (secret-box.ts); a token file's path is not a secret. */
export function storedCredential(c: AgentCredential): string {
  const json = JSON.stringify(c);
  return c.kind === "token-file" ? json : seal(json);
}

/** A stored credential, sealed or (written before sealing) plain JSON. */
export function credentialFromStore(stored: string): AgentCredential {
  return parseCredential(isSealed(stored) ? unseal(stored) : stored);
}

/** Re-checking the file's mtime at most this often keeps the proxy's hot path free of syscalls. */
const RECHECK_MS = 1000;

interface Cached {
  token: string;
  mtimeMs: number;
  checkedAt: number;
}

/** Returns a function that yields the current bearer token, reading a token file lazily. */
export function bearerTokenSource(credential: AgentCredential): () => string {
  if (credential.kind !== "token-file") return () => credential.token;
  let cached: Cached | undefined;
  return () => {
    const now = Date.now();
    if (cached && now - cached.checkedAt < RECHECK_MS) return cached.token;
    try {
      const mtimeMs = statSync(credential.path).mtimeMs;
      if (!cached || cached.mtimeMs !== mtimeMs) cached = { token: readFileSync(credential.path, "utf8").trim(), mtimeMs, checkedAt: now };
      else cached.checkedAt = now;
      return cached.token;
    } catch (err) {
      // No token file yet (agent not started): an empty token makes the agent answer 401, which
      // the caller reports; the next call looks again.
      cached = undefined;
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
      throw err;
    }
  };
}

