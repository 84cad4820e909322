import "server-only";
// The console's own certificate authority, made on first start under SYSWARD_CONSOLE_DATA_DIR/pki:
//   ca.key (0600) + ca.crt      — signs agents' server certificates and the console's client one;
//   console-client.key (0600) + .crt — what the console shows agents (they trust ca.crt for clients).
// The client certificate is renewed on start when it is missing or has under 30 days left.
import { KeyUsageFlags } from "@peculiar/asn1-x509";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { closeAgentConnections } from "../agents/agent-connection";
import { getConfig } from "../config";
import { getLogger } from "../log";
import { revokeCertificate } from "./certificate-store";
import { issueCertificate, type IssuedCertificate } from "./issue-certificate";
import { newKeyPair, writeFileWhole } from "./key-files";
import { commonNameOnly, ext, newSerial, signCertificate } from "./x509-encoding";

const CA_DAYS = 3650;
const CLIENT_DAYS = 825;
const RENEW_BEFORE_MS = 30 * 24 * 3600_000;
const CA_NAME = "Sysward console CA";
const CLIENT_NAME = "sysward-console";

export interface ConsoleCa {
  dir: string;
  caCertPath: string;
  caKeyPath: string;
  caCertPem: string;
  /** SHA-256 fingerprint of ca.crt ("AB:CD:…"): the enrollment command pins it. */
  caSha256: string;
  clientCertPath: string;
  clientKeyPath: string;
}

export function consoleCaPaths(dataDir = getConfig().dataDir) {
  const dir = join(dataDir, "pki");
  return {
    dir,
    caCertPath: join(dir, "ca.crt"),
    caKeyPath: join(dir, "ca.key"),
    clientCertPath: join(dir, "console-client.crt"),
    clientKeyPath: join(dir, "console-client.key"),
  };
}

/** A self-signed CA: CN "Sysward console CA", CA:TRUE and keyCertSign + cRLSign, both critical. */
function createCa(caKeyPath: string, caCertPath: string): void {
  const keyTmp = `${caKeyPath}.new`;
  try {
    const { privateKeyPem, publicKeyPem } = newKeyPair();
    writeFileSync(keyTmp, privateKeyPem, { mode: 0o600 });
    const publicKey = createPublicKey(publicKeyPem);
    const name = commonNameOnly(CA_NAME);
    const now = Date.now();
    const certPem = signCertificate(
      {
        serial: newSerial(),
        issuer: name,
        subject: name,
        publicKey,
        notBefore: new Date(now),
        notAfter: new Date(now + CA_DAYS * 86_400_000),
        extensions: [ext.basicConstraints(true), ext.keyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign), ext.subjectKeyIdentifier(publicKey)],
      },
      createPrivateKey(privateKeyPem),
    );
    // The key first, the certificate last: ca.crt present means the CA is complete.
    renameSync(keyTmp, caKeyPath);
    writeFileWhole(caCertPath, certPem, 0o644);
  } finally {
    rmSync(keyTmp, { force: true });
  }
}

function needsNewClientCertificate(certPath: string, keyPath: string): boolean {
  if (!existsSync(certPath) || !existsSync(keyPath)) return true;
  try {
    return Date.parse(new X509Certificate(readFileSync(certPath)).validTo) - Date.now() < RENEW_BEFORE_MS;
  } catch {
    return true;
  }
}

async function issueClientCertificate(p: ReturnType<typeof consoleCaPaths>): Promise<IssuedCertificate> {
  const { privateKeyPem, publicKeyPem } = newKeyPair();
  const cert = await issueCertificate(p, { kind: "client", commonName: CLIENT_NAME, publicKeyPem, days: CLIENT_DAYS });
  writeFileWhole(p.clientKeyPath, privateKeyPem, 0o600);
  writeFileWhole(p.clientCertPath, cert.pem, 0o644);
  return cert;
}

async function setUp(dataDir: string): Promise<ConsoleCa> {
  const p = consoleCaPaths(dataDir);
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  chmodSync(p.dir, 0o700);
  if (!existsSync(p.caCertPath)) {
    createCa(p.caKeyPath, p.caCertPath);
    getLogger().info({ caCertPath: p.caCertPath }, "created the console's certificate authority");
  } else if (!existsSync(p.caKeyPath)) {
    throw new Error(`${p.caKeyPath} is missing: restore it, or move ${p.dir} away to start a new CA (every remote agent must then enrol again)`);
  }
  if ((statSync(p.caKeyPath).mode & 0o777) !== 0o600) chmodSync(p.caKeyPath, 0o600);
  if (needsNewClientCertificate(p.clientCertPath, p.clientKeyPath)) {
    const cert = await issueClientCertificate(p);
    getLogger().info({ serial: cert.serial }, "issued the console's client certificate");
  }
  const caCertPem = readFileSync(p.caCertPath, "utf8");
  return { ...p, caCertPem, caSha256: new X509Certificate(caCertPem).fingerprint256 };
}

const KEY = Symbol.for("sysward.console.ca");
type Holder = { [KEY]?: { dataDir: string; ready: Promise<ConsoleCa> } };

/** The console's CA, created on first call (once per process; bootstrap calls it at start). */
export function ensureConsoleCa(): Promise<ConsoleCa> {
  const holder = globalThis as Holder;
  const dataDir = getConfig().dataDir;
  if (holder[KEY]?.dataDir !== dataDir) {
    const ready = setUp(dataDir);
    // A failure (an unreadable data dir, say) is not cached: the next call tries again.
    ready.catch(() => {
      if (holder[KEY]?.ready === ready) delete holder[KEY];
    });
    holder[KEY] = { dataDir, ready };
  }
  return holder[KEY].ready;
}

export interface ClientCertificateFacts {
  serial: string;
  fingerprint256: string;
  notAfter: string;
}

function factsOf(pem: string): ClientCertificateFacts {
  const x = new X509Certificate(pem);
  return { serial: x.serialNumber, fingerprint256: x.fingerprint256, notAfter: new Date(x.validTo).toISOString() };
}

export async function consoleClientCertificate(): Promise<ClientCertificateFacts> {
  return factsOf(readFileSync((await ensureConsoleCa()).clientCertPath, "utf8"));
}

/**
 * A new key and client certificate for the console, and the old one revoked — for when the old
 * key may have leaked. The console uses the new one from its next connection (open ones are
 * closed); agents refuse the old one once they fetch the new CRL (within their refresh interval,
 * an hour by default).
 */
export async function rotateConsoleClientCertificate(): Promise<{ previous: ClientCertificateFacts; current: ClientCertificateFacts }> {
  const ca = await ensureConsoleCa();
  const previous = factsOf(readFileSync(ca.clientCertPath, "utf8"));
  const current = factsOf((await issueClientCertificate(ca)).pem);
  revokeCertificate(previous.serial);
  closeAgentConnections();
  getLogger().info({ previous: previous.serial, current: current.serial }, "rotated the console's client certificate");
  return { previous, current };
}
