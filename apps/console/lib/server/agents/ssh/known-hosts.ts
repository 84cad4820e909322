import "server-only";
// Host keys of machines reached over SSH, pinned in the console DB on first contact (after an
// admin confirmed the fingerprint). A machine presenting another key is refused, never re-pinned
// silently: removing the machine and adding it again is the deliberate way to accept a new key.
import { createHash } from "node:crypto";
import { getDb } from "../../db/database";

export interface HostKey {
  /** "ssh-ed25519", "ecdsa-sha2-nistp256", … */
  keyType: string;
  /** As `ssh-keygen -lf` prints it: "SHA256:" and unpadded base64. */
  fingerprint: string;
}

/** The fingerprint and type of a host key blob as the server sent it (RFC 4253 §6.6). */
export function hostKeyOf(blob: Buffer): HostKey {
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  const keyType = blob.subarray(4, 4 + length).toString("latin1") || "unknown";
  return { keyType, fingerprint: `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}` };
}

/** The fingerprint as an admin may paste it: with or without "SHA256:", with or without padding. */
export function normalizeFingerprint(value: string): string {
  return `SHA256:${value.trim().replace(/^SHA256:/i, "").replace(/=+$/, "")}`;
}

export function pinnedHostKey(host: string): HostKey | null {
  const row = getDb().prepare("SELECT key_type, fingerprint FROM ssh_host_keys WHERE host = ?").get(host) as { key_type: string; fingerprint: string } | undefined;
  return row ? { keyType: row.key_type, fingerprint: row.fingerprint } : null;
}

/** Pins the key of `host` unless one is pinned already (which stays). */
export function pinHostKey(host: string, key: HostKey): void {
  getDb().prepare("INSERT INTO ssh_host_keys (host, key_type, fingerprint, added_at) VALUES (?, ?, ?, ?) ON CONFLICT(host) DO NOTHING").run(host, key.keyType, key.fingerprint, Date.now());
}

/** Forgets the pin of `host` (its last machine was removed). */
export function unpinHostKey(host: string): void {
  getDb().prepare("DELETE FROM ssh_host_keys WHERE host = ?").run(host);
}

export function changedHostKeyMessage(host: string, pinned: HostKey, presented: HostKey): string {
  return `the SSH host key of ${host} changed: the console pinned ${pinned.keyType} ${pinned.fingerprint}, the machine now presents ${presented.keyType} ${presented.fingerprint}; refused (if the machine was reinstalled, remove it from the console and add it again)`;
}
