import "server-only";
// The console CA's certificate revocation list, made from the certificates table on demand
// (openssl ca -gencrl over an index built from the DB: the DB is the one record of revocations).
// Agents get it at enrollment and refuse client certificates it lists. It is valid for ten
// years because an expired CRL makes OpenSSL refuse EVERY client: agents have no way yet to
// fetch a fresh one.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { revokedCertificates } from "./certificate-store";
import type { CaFiles } from "./issue-certificate";
import { openssl } from "./openssl";

const CRL_DAYS = 3650;

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
      ["[ca]", "default_ca = console_ca", "[console_ca]", "database = index.txt", "crlnumber = crlnumber", `certificate = ${ca.caCertPath}`, `private_key = ${ca.caKeyPath}`, "default_md = sha256", `default_crl_days = ${CRL_DAYS}`].join("\n") + "\n",
    );
    await openssl(["ca", "-gencrl", "-batch", "-config", "ca.cnf", "-out", "crl.pem"], work);
    return readFileSync(join(work, "crl.pem"), "utf8");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
