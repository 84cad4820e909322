import "server-only";
// Secrets the console must be able to use again (remote agents' bearer tokens) are kept sealed
// with AES-256-GCM under a key in its own file, not in console.sqlite: a copy of the database
// (a backup, a stolen file) calls no agent. SYSWARD_CONSOLE_SECRET_KEY_FILE may put the key
// elsewhere than the data dir (another disk, a systemd credential) so that a copy of the whole
// data dir is not enough either. Made on first use: 32 random bytes, 0600.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdirSync, openSync, readFileSync, writeSync, closeSync } from "node:fs";
import { dirname } from "node:path";
import { getConfig } from "../config";

const PREFIX = "sealed:v1:";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

const KEY = Symbol.for("sysward.console.secretKey");
type Holder = { [KEY]?: { path: string; key: Buffer } };

function loadKey(path: string): Buffer {
  try {
    const key = readFileSync(path);
    if (key.length !== KEY_BYTES) throw new Error(`${path} holds ${key.length} bytes; the console's secret key is ${KEY_BYTES} random bytes`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  // wx: two processes starting at once cannot both write a key; the loser reads the winner's.
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return loadKey(path);
    throw err;
  }
  try {
    writeSync(fd, key);
  } finally {
    closeSync(fd);
  }
  return key;
}

function secretKey(): Buffer {
  const holder = globalThis as Holder;
  const path = getConfig().secretKeyPath;
  if (holder[KEY]?.path !== path) holder[KEY] = { path, key: loadKey(path) };
  return holder[KEY].key;
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

/** `plain` sealed for storage: "sealed:v1:" + base64(iv | tag | ciphertext). */
export function seal(plain: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", secretKey(), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

export function unseal(sealed: string): string {
  if (!isSealed(sealed)) throw new Error("not a sealed value");
  const raw = Buffer.from(sealed.slice(PREFIX.length), "base64");
  const decipher = createDecipheriv("aes-256-gcm", secretKey(), raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    throw new Error(`a stored agent credential does not open with the console's secret key (${getConfig().secretKeyPath}): restore the key file this database was written with, or register the agent again`);
  }
}
