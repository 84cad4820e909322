import "server-only";
// The record of every certificate the console's CA signed, and which are revoked.
import { getDb } from "../db/database";

export type CertificateKind = "agent" | "client";

export interface CertificateRecord {
  serial: string;
  fingerprint256: string;
  kind: CertificateKind;
  subject: string;
  agentId: string | null;
  notAfter: number;
  issuedAt: number;
  revokedAt: number | null;
}

interface Row {
  serial: string;
  fingerprint256: string;
  kind: CertificateKind;
  subject: string;
  agent_id: string | null;
  not_after: number;
  issued_at: number;
  revoked_at: number | null;
}

const fromRow = (r: Row): CertificateRecord => ({
  serial: r.serial,
  fingerprint256: r.fingerprint256,
  kind: r.kind,
  subject: r.subject,
  agentId: r.agent_id,
  notAfter: r.not_after,
  issuedAt: r.issued_at,
  revokedAt: r.revoked_at,
});

export function recordCertificate(c: Omit<CertificateRecord, "revokedAt">): void {
  getDb()
    .prepare("INSERT INTO certificates (serial, fingerprint256, kind, subject, agent_id, not_after, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
    .run(c.serial, c.fingerprint256, c.kind, c.subject, c.agentId, c.notAfter, c.issuedAt);
}

/** Marks one certificate revoked; false when there is no such serial or it already was. */
export function revokeCertificate(serial: string): boolean {
  return getDb().prepare("UPDATE certificates SET revoked_at = ? WHERE serial = ? AND revoked_at IS NULL").run(Date.now(), serial).changes === 1;
}

/** Revokes every live certificate issued to an agent; returns their serials. */
export function revokeAgentCertificates(agentId: string): string[] {
  const db = getDb();
  return db.transaction(() => {
    const serials = (db.prepare("SELECT serial FROM certificates WHERE agent_id = ? AND kind = 'agent' AND revoked_at IS NULL").all(agentId) as Array<{ serial: string }>).map((r) => r.serial);
    const now = Date.now();
    for (const s of serials) db.prepare("UPDATE certificates SET revoked_at = ? WHERE serial = ?").run(now, s);
    return serials;
  })();
}

export function revokedCertificates(): CertificateRecord[] {
  return (getDb().prepare("SELECT * FROM certificates WHERE revoked_at IS NOT NULL ORDER BY revoked_at, serial").all() as Row[]).map(fromRow);
}

export function certificateBySerial(serial: string): CertificateRecord | null {
  const row = getDb().prepare("SELECT * FROM certificates WHERE serial = ?").get(serial) as Row | undefined;
  return row ? fromRow(row) : null;
}

/** Checked on every TLS handshake with an agent: one indexed lookup. */
export function certificateByFingerprint(fingerprint256: string): CertificateRecord | null {
  const row = getDb().prepare("SELECT * FROM certificates WHERE fingerprint256 = ?").get(fingerprint256) as Row | undefined;
  return row ? fromRow(row) : null;
}

/** When this agent was last issued a certificate (enrolment or renewal), or null. */
export function newestAgentCertificateIssuedAt(agentId: string): number | null {
  const row = getDb().prepare("SELECT MAX(issued_at) AS at FROM certificates WHERE agent_id = ? AND kind = 'agent'").get(agentId) as { at: number | null };
  return row.at;
}
