import "server-only";
// The console CA's certificate revocation list, made from the certificates table (the DB is the
// one record of revocations) and signed by x509-encoding.ts.
// Agents get it at enrollment and then fetch a fresh one every hour (POST
// /api/pki/agent-credentials), refusing client certificates it lists. It is valid for
// SYSWARD_CRL_DAYS (7): long enough that a console down for days does not lock agents out, and
// when one has lapsed the agent fetches a new one as soon as the console answers again.
import { readFileSync } from "node:fs";
import { getConfig } from "../config";
import { revokedCertificates } from "./certificate-store";
import type { CaFiles } from "./issue-certificate";
import { caSigner, signCrl } from "./x509-encoding";

export async function currentCrlPem(ca: CaFiles): Promise<string> {
  const now = Date.now();
  return signCrl(caSigner(readFileSync(ca.caCertPath, "utf8"), readFileSync(ca.caKeyPath)), {
    thisUpdate: new Date(now),
    nextUpdate: new Date(now + getConfig().crlDays * 86_400_000),
    // Milliseconds: increases with time, as a CRL number should.
    crlNumber: now,
    revoked: revokedCertificates().map((c) => ({ serial: c.serial, revokedAt: new Date(c.revokedAt!) })),
  });
}

const KEY = Symbol.for("sysward.console.crl");
type Holder = { [KEY]?: { state: string; madeAt: number; pem: Promise<string> } };

/**
 * The CRL every agent's hourly refresh gets: remade when a revocation happened or a quarter of
 * its validity has passed, else the same one (one signature per change, not per agent).
 */
export function publishedCrlPem(ca: CaFiles): Promise<string> {
  const revoked = revokedCertificates();
  const state = `${ca.caCertPath}\n${revoked.map((c) => `${c.serial}@${c.revokedAt}`).join(",")}`;
  const maxAgeMs = (getConfig().crlDays * 86_400_000) / 4;
  const holder = globalThis as Holder;
  const cached = holder[KEY];
  if (cached && cached.state === state && Date.now() - cached.madeAt < maxAgeMs) return cached.pem;
  const pem = currentCrlPem(ca);
  const entry = { state, madeAt: Date.now(), pem };
  holder[KEY] = entry;
  pem.catch(() => {
    if (holder[KEY] === entry) delete holder[KEY];
  });
  return pem;
}
