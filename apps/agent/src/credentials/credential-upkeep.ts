// Keeps an enrolled agent's TLS listener trustworthy without anyone logging in to the machine:
// every refresh interval it fetches the console's CRL (so a revoked console certificate is
// refused within the hour) and, when its own certificate nears its end, renews it with a new key.
// Everything that arrives is checked before use, written whole, and then swapped into the running
// listener; for a renewal listen.json is the commit point (new files first, listen.json last).
import { createPrivateKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { readListenFile, writeFileWhole, writeListenFile, type EnrolledListen } from "../enroll/listen-file";
import type { Logger } from "../logger";
import type { TlsMaterial } from "../rpc/server";
import { checkReplacementCrl, verifyCrl, type CrlFacts } from "./crl";
import { CredentialsError, requestCredentials } from "./credentials-request";

export interface CredentialUpkeepOptions {
  dataDir: string;
  consoleUrl: string;
  refreshMs: number;
  renewBeforeMs: number;
  logger: Logger;
  /** Swaps new TLS material into the running listener. */
  apply: (tls: TlsMaterial) => void;
}

export interface CredentialUpkeepStats {
  consoleUrl: string;
  certificate?: { serial: string; notAfter: string };
  crl?: { thisUpdate: string; nextUpdate?: string; revoked: number };
  lastRefresh?: string;
  lastError?: string;
  refreshes: number;
  failures: number;
  renewals: number;
}

/** After a failure: retry sooner than the hourly refresh, but never hammer the console. */
const RETRY_MS = 60_000;

export class CredentialUpkeep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private crl: CrlFacts | undefined;
  private readonly s: CredentialUpkeepStats;

  constructor(private readonly opts: CredentialUpkeepOptions) {
    this.s = { consoleUrl: opts.consoleUrl, refreshes: 0, failures: 0, renewals: 0 };
    this.describeFiles();
  }

  /** Refreshes now (in the background), then every refresh interval. */
  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  stats(): CredentialUpkeepStats {
    return { ...this.s };
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.refresh().then(
        () => this.schedule(this.opts.refreshMs),
        (err: unknown) => {
          this.s.failures++;
          this.s.lastError = (err as Error).message;
          const refused = err instanceof CredentialsError && err.refused;
          this.opts.logger.warn({ err: (err as Error).message, consoleUrl: this.opts.consoleUrl }, refused ? "the console refused this agent's credentials refresh" : "could not refresh TLS credentials from the console; will retry");
          this.warnIfLapsing();
          const asked = err instanceof CredentialsError ? err.retryAfterMs : undefined;
          this.schedule(refused ? this.opts.refreshMs : Math.max(asked ?? 0, Math.min(RETRY_MS, this.opts.refreshMs)));
        },
      );
    }, ms);
    this.timer.unref();
  }

  /** One refresh: the CRL always, a new certificate when the current one is within renewBefore of its end. */
  async refresh(): Promise<void> {
    const files = this.files();
    const certPem = readFileSync(files.certPath, "utf8");
    const keyPem = readFileSync(files.keyPath, "utf8");
    const clientCaPem = readFileSync(files.clientCaPath, "utf8");
    const cert = new X509Certificate(certPem);
    const renew = Date.parse(cert.validTo) - Date.now() < this.opts.renewBeforeMs;
    const newKey = renew ? generateKeyPairSync("ec", { namedCurve: "prime256v1" }) : undefined;
    const newPublicKeyPem = newKey?.publicKey.export({ type: "spki", format: "pem" }) as string | undefined;
    const ask = (publicKeyPem: string | undefined) => requestCredentials({ consoleUrl: this.opts.consoleUrl, certPem, key: createPrivateKey(keyPem), newPublicKeyPem: publicKeyPem });
    let answer;
    try {
      answer = await ask(newPublicKeyPem);
    } catch (err) {
      // A renewal the console puts off (it renewed this agent moments ago) must not hold back the CRL.
      if (!(newPublicKeyPem && err instanceof CredentialsError && err.retryAfterMs !== undefined)) throw err;
      this.opts.logger.info({ reason: err.message }, "certificate renewal put off by the console; fetching the CRL only");
      answer = await ask(undefined);
    }
    const crl = checkReplacementCrl(answer.crlPem, clientCaPem, this.crl ?? this.crlOnDisk(files, clientCaPem));

    // Everything is checked before anything is written.
    const renewal =
      newKey && newPublicKeyPem && answer.certPem
        ? { pem: answer.certPem, x509: checkRenewed(answer.certPem, cert, clientCaPem, newPublicKeyPem), key: newKey.privateKey }
        : undefined;
    const crlPath = files.crlPath ?? join(this.opts.dataDir, "tls", "crl.pem");
    const crlChanged = files.crlPath === undefined || readIfThere(crlPath) !== answer.crlPem;
    if (crlChanged) writeFileWhole(crlPath, answer.crlPem, 0o644);
    let tls: TlsMaterial = { cert: certPem, key: keyPem, clientCa: clientCaPem, crl: answer.crlPem };
    if (renewal) {
      const keyOut = renewal.key.export({ type: "pkcs8", format: "pem" }) as string;
      const base = join(dirname(files.certPath), `agent-${renewal.x509.serialNumber.toLowerCase()}`);
      writeFileWhole(`${base}.key`, keyOut, 0o600);
      writeFileWhole(`${base}.crt`, renewal.pem, 0o644);
      writeListenFile(this.opts.dataDir, { ...files.file, cert: relative(this.opts.dataDir, `${base}.crt`), key: relative(this.opts.dataDir, `${base}.key`), crl: relative(this.opts.dataDir, crlPath) });
      // The old pair is no longer named anywhere; keep nothing that is not needed.
      for (const old of [files.certPath, files.keyPath]) if (old !== `${base}.crt` && old !== `${base}.key`) rmSync(old, { force: true });
      tls = { ...tls, cert: renewal.pem, key: keyOut };
      this.s.renewals++;
      this.opts.logger.info({ old: cert.serialNumber, serial: renewal.x509.serialNumber, notAfter: renewal.x509.validTo }, "renewed this agent's TLS certificate");
    } else if (crlChanged && files.crlPath === undefined) {
      writeListenFile(this.opts.dataDir, { ...files.file, crl: relative(this.opts.dataDir, crlPath) });
    }
    if (crlChanged || tls.cert !== certPem) this.opts.apply(tls);
    this.crl = crl;
    this.s.refreshes++;
    this.s.lastRefresh = new Date().toISOString();
    this.s.lastError = undefined;
    this.describe(renewal?.x509 ?? cert, crl);
  }

  private files(): EnrolledListen {
    const f = readListenFile(this.opts.dataDir);
    if (!f) throw new Error("listen.json is gone: this agent is no longer enrolled");
    return f;
  }

  private crlOnDisk(files: EnrolledListen, clientCaPem: string): CrlFacts | undefined {
    if (!files.crlPath) return undefined;
    try {
      return verifyCrl(readFileSync(files.crlPath, "utf8"), clientCaPem);
    } catch {
      return undefined;
    }
  }

  /** At start: what the files on disk hold (a refresh then describes what it installed). */
  private describeFiles(): void {
    try {
      const files = this.files();
      this.describe(new X509Certificate(readFileSync(files.certPath)), this.crlOnDisk(files, readFileSync(files.clientCaPath, "utf8")));
    } catch {
      /* reported by the next refresh */
    }
  }

  private describe(cert: X509Certificate, crl: CrlFacts | undefined): void {
    this.s.certificate = { serial: cert.serialNumber, notAfter: new Date(cert.validTo).toISOString() };
    if (crl) this.s.crl = { thisUpdate: crl.thisUpdate.toISOString(), nextUpdate: crl.nextUpdate?.toISOString(), revoked: crl.revokedSerials.length };
  }

  /** Said loudly: when the CRL lapses, OpenSSL refuses every client, the console included. */
  private warnIfLapsing(): void {
    const next = this.s.crl?.nextUpdate;
    if (next && Date.parse(next) - Date.now() < 24 * 3600_000) {
      this.opts.logger.error({ nextUpdate: next, consoleUrl: this.opts.consoleUrl }, "this agent's CRL lapses within a day and the console cannot be reached: once it lapses the TCP listener refuses every client until a fresh CRL arrives");
    }
  }
}

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** A renewed certificate must be the CA's, for our new key, and name the same host as before. */
function checkRenewed(pem: string, old: X509Certificate, clientCaPem: string, newPublicKeyPem: string): X509Certificate {
  const cert = new X509Certificate(pem);
  const ca = new X509Certificate(clientCaPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw new CredentialsError("the renewed certificate is not signed by the console's CA");
  const mine = new X509Certificate(pem).publicKey.export({ type: "spki", format: "pem" });
  if (String(mine).trim() !== newPublicKeyPem.trim()) throw new CredentialsError("the renewed certificate is for another key");
  if (cert.subjectAltName !== old.subjectAltName) throw new CredentialsError(`the renewed certificate names ${cert.subjectAltName ?? "no host"}, not ${old.subjectAltName ?? "no host"}`);
  return cert;
}
