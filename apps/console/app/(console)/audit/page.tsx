import type { Metadata } from "next";
import { AuditTable } from "../../../components/admin/audit-table";
import { listAudit } from "../../../lib/server/audit/audit-log";
import { requireAdmin } from "../../../lib/server/auth/current-user";

export const metadata: Metadata = { title: "Audit log" };
export const dynamic = "force-dynamic";

const LIMIT = 200;

export default async function AuditPage() {
  await requireAdmin();
  const entries = listAudit({ limit: LIMIT });
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Audit log</h1>
          <p className="muted">Every sign-in and every change: who, what, when, from where, and how it ended. Newest first; the last {LIMIT}.</p>
        </div>
      </div>
      <AuditTable entries={entries} />
    </>
  );
}
