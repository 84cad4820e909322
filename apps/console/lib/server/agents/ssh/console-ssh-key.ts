import "server-only";
// The console's own SSH key pair (ed25519), for machines added by SSH: made on first use in the
// console's data dir (private key 0600), its public half shown to admins for authorized_keys.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { utils } from "ssh2";
import { getConfig } from "../../config";
import { writeFileWhole } from "../../pki/key-files";

export interface ConsoleSshKey {
  privateKey: string;
  /** One authorized_keys line: "ssh-ed25519 AAAA… sysward-console@host". */
  publicKey: string;
}

let cached: { path: string; key: ConsoleSshKey } | undefined;

export function consoleSshKey(): ConsoleSshKey {
  const path = getConfig().sshKeyPath;
  if (cached?.path === path) return cached.key;
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const pair = utils.generateKeyPairSync("ed25519", { comment: `sysward-console@${hostname()}` });
    // Public first: a key file without its .pub is never left for a later start to trust.
    writeFileWhole(`${path}.pub`, `${pair.public.trim()}\n`, 0o644);
    writeFileWhole(path, pair.private, 0o600);
  }
  const key = { privateKey: readFileSync(path, "utf8"), publicKey: readFileSync(`${path}.pub`, "utf8").trim() };
  cached = { path, key };
  return key;
}
