"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { callJson } from "../../lib/client/json-api";
import { useAdminAction } from "../admin/use-admin-action";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { ErrorNotice } from "../ui/error-notice";
import { LocalTime } from "../ui/local-time";
import { StatusPill } from "../ui/status-pill";
import type { PendingEnrollment } from "./enrollment-types";
import { DataTable } from "../ui/data-table";
import { asyncHandler } from "../../lib/client/async-handler";

/** While a machine may enrol, the list is checked this often; a change re-renders the page, so
 *  the machine shows up in the fleet without a reload. */
const POLL_MS = 3_000;

const signature = (list: PendingEnrollment[]) => list.map((e) => `${e.id}:${e.expired}`).join(",");

/** Enrollments nobody has used yet, with their expiry, and a way to revoke each (admins). */
export function PendingEnrollments({ enrollments }: { enrollments: PendingEnrollment[] }) {
  const router = useRouter();
  const { busy, error, run } = useAdminAction();
  const [revoking, setRevoking] = useState<PendingEnrollment | null>(null);
  const waiting = enrollments.some((e) => !e.expired);
  const shown = signature(enrollments);

  useEffect(() => {
    if (!waiting) return;
    const controller = new AbortController();
    const timer = setInterval(() => {
      callJson<{ enrollments: PendingEnrollment[] }>("GET", "/api/enrollments").then(
        (body) => {
          if (!controller.signal.aborted && signature(body.enrollments) !== shown) router.refresh();
        },
        () => {
          // A dropped poll changes nothing; the next one asks again.
        },
      );
    }, POLL_MS);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [waiting, shown, router]);

  async function revoke() {
    if (!revoking) return;
    const target = revoking;
    await run(() => callJson("DELETE", `/api/enrollments/${target.id}`));
    setRevoking(null);
  }

  if (enrollments.length === 0) return null;
  return (
    <section className="card" data-testid="pending-enrollments">
      <div className="card-header">
        <div>
          <h2>Machines waiting to enrol</h2>
          <p className="muted">Each has a one-time command; it stops working once used, revoked or expired.</p>
        </div>
      </div>
      <div className="card-body stack">
        {error ? <ErrorNotice message={error} testId="pending-enrollments-error" /> : null}
        <DataTable columns={["Machine", "Id", "Expires", "State"]} actions>
          {enrollments.map((e) => (
            <tr key={e.id} data-testid={`enrollment-row-${e.id}`} data-agent-id={e.agentId} data-expired={e.expired}>
              <td className="stack-head">
                <strong>{e.name}</strong>
              </td>
              <td className="mono" data-label="Id">
                {e.agentId}
              </td>
              <td className="nowrap" data-label="Expires">
                <LocalTime iso={e.expiresAt} />
              </td>
              <td data-label="State">
                {e.expired ? (
                  <StatusPill tone="warn" testId={`enrollment-state-${e.id}`}>
                    Expired
                  </StatusPill>
                ) : (
                  <StatusPill tone="unknown" testId={`enrollment-state-${e.id}`}>
                    Waiting
                  </StatusPill>
                )}
              </td>
              <td className="num stack-actions">
                <Button size="sm" variant="ghost" style={{ color: "var(--red)" }} onClick={() => setRevoking(e)} data-testid={`enrollment-revoke-${e.id}`}>
                  {e.expired ? "Remove" : "Revoke"}
                </Button>
              </td>
            </tr>
          ))}
        </DataTable>
      </div>
      <ConfirmDialog
        open={revoking !== null}
        title={revoking?.expired ? `Remove the expired enrollment of “${revoking.name}”?` : `Revoke the enrollment of “${revoking?.name ?? ""}”?`}
        confirmLabel={revoking?.expired ? "Remove" : "Revoke enrollment"}
        danger
        busy={busy}
        onConfirm={asyncHandler(revoke)}
        onCancel={() => setRevoking(null)}
      >
        {revoking?.expired
          ? "Its command stopped working when it expired; this only clears it from the list."
          : "Its command stops working: running it on the machine is refused. You can add the machine again at any time."}
      </ConfirmDialog>
    </section>
  );
}
