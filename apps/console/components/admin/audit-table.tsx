"use client";

import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import type { AuditEntry, AuditResult } from "../../lib/shared/types";
import { Button } from "../ui/button";
import { EmptyState } from "../ui/empty-state";
import { LocalTime } from "../ui/local-time";
import { StatusPill, type PillTone } from "../ui/status-pill";
import { DataTable } from "../ui/data-table";

const RESULT_TONE: Record<AuditResult, PillTone> = { ok: "running", failed: "failed", denied: "warn" };

export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  const router = useRouter();
  const [query, setQuery] = useState("");
  const filtered = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return entries;
    return entries.filter((e) => [e.username, e.action, e.target, e.result, e.detail, e.address].some((v) => v?.toLowerCase().includes(q)));
  }, [entries, query]);

  return (
    <section className="card" data-testid="audit-log">
      <div className="card-header">
        <input
          className="input"
          type="search"
          placeholder="Filter by user, action, target…"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          style={{ maxWidth: 320 }}
          aria-label="Filter the audit log"
          data-testid="audit-search"
        />
        <Button size="sm" onClick={() => router.refresh()} data-testid="audit-refresh">
          Refresh
        </Button>
      </div>
      <div className="card-body" style={{ padding: "var(--space-3) 0 0" }}>
        {entries.length === 0 ? (
          <EmptyState title="Nothing recorded yet" testId="audit-empty">
            Sign-ins and changes appear here as they happen.
          </EmptyState>
        ) : filtered.length === 0 ? (
          <EmptyState title={`No entries match “${query.trim()}”`} />
        ) : (
          <DataTable columns={["When", "User", "Action", "Target", "Result", "Detail", "From"]} testId="audit-table">
            {filtered.map((e) => (
              <tr key={e.id} data-testid="audit-row" data-action={e.action}>
                <td className="nowrap" data-label="When">
                  <LocalTime iso={e.at} withSeconds />
                </td>
                <td data-label="User">{e.username ?? <span className="muted">—</span>}</td>
                <td className="mono" data-label="Action">{e.action}</td>
                <td data-label="Target">{e.target ?? <span className="muted">—</span>}</td>
                <td data-label="Result">
                  <StatusPill tone={RESULT_TONE[e.result] ?? "unknown"}>{e.result}</StatusPill>
                  {e.repeats > 1 ? (
                    <span className="muted" title="the same event from the same address within a minute of the one before" data-testid="audit-repeats">
                      {" "}
                      ×{e.repeats}
                    </span>
                  ) : null}
                </td>
                <td style={{ maxWidth: 360, overflowWrap: "anywhere" }} data-label={e.detail ? "Detail" : ""}>
                  {e.detail ?? ""}
                </td>
                <td className="mono nowrap muted" data-label="From">
                  {e.address ?? ""}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </div>
    </section>
  );
}
