import "server-only";
// Each machine's newest unrevoked agent certificate's expiry (ms), from the certificates table:
// a machine that renewed is judged by its new certificate, not the one it replaced.
import { getDb } from "../db/database";

export function agentCertificateExpiry(): Map<string, number> {
  const rows = getDb()
    .prepare("SELECT agent_id, max(not_after) AS not_after FROM certificates WHERE kind = 'agent' AND revoked_at IS NULL AND agent_id IS NOT NULL GROUP BY agent_id")
    .all() as Array<{ agent_id: string; not_after: number }>;
  return new Map(rows.map((r) => [r.agent_id, r.not_after]));
}
