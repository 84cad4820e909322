import "server-only";
// The console CA's certificate revocation list, made from the certificates table (openssl ca
// -gencrl over an index built from the DB: the DB is the one record of revocations).
// Agents get it at enrollment and then fetch a fresh one every hour (POST
// /api/pki/agent-credentials), refusing client certificates it lists. It is valid for
// SYSWARD_CRL_DAYS (7): long enough that a console down for days does not lock agents out, and
// when one has lapsed the agent fetches a new one as soon as the console answers again.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getConfig } from "../config";
import { revokedCertificates } from "./certificate-store";
import type { CaFiles } from "./issue-certificate";
import { openssl } from "./openssl";

/** OpenSSL's index.txt time format: YYMMDDHHMMSSZ (UTCTime, fine until 2050). */
function utcTime(ms: number): string {
  return new Date(ms).toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, "$1$2$3$4$5$6Z");
}

export async function currentCrlPem(ca: CaFiles): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), "sysward-crl-"));
  try {
    const index = revokedCertificates()
      .map((c) => ["R", utcTime(c.notAfter), utcTime(c.revokedAt!), c.serial.length % 2 ? `0${c.serial}` : c.serial, "unknown", `/CN=${c.subject}`].join("\t") + "\n")
      .join("");
    writeFileSync(join(work, "index.txt"), index);
    // Increases with time, as a CRL number should.
    writeFileSync(join(work, "crlnumber"), `${Math.floor(Date.now() / 1000).toString(16).padStart(10, "0")}\n`);
    writeFileSync(
      join(work, "ca.cnf"),
      ["[ca]", "default_ca = console_ca", "[console_ca]", "database = index.txt", "crlnumber = crlnumber", `certificate = ${ca.caCertPath}`, `private_key = ${ca.caKeyPath}`, "default_md = sha256", `default_crl_days = ${getConfig().crlDays}`].join("\n") + "\n",
    );
    await openssl(["ca", "-gencrl", "-batch", "-config", "ca.cnf", "-out", "crl.pem"], work);
    return readFileSync(join(work, "crl.pem"), "utf8");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const KEY = Symbol.for("sysward.console.crl");
type Holder = { [KEY]?: { state: string; madeAt: number; pem: Promise<string> } };

/**
 * The CRL every agent's hourly refresh gets: remade when a revocation happened or a quarter of
 * its validity has passed, else the same one (one openssl run per change, not per agent).
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
