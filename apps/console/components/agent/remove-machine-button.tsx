"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { callJson } from "../../lib/client/json-api";
import { useIsAdmin } from "../session/user-context";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { ErrorNotice } from "../ui/error-notice";
import { asyncHandler } from "../../lib/client/async-handler";

/** "Remove machine" on a remote agent's page (admins): unregisters it and revokes its certificate. */
export function RemoveMachineButton({ agentId, name }: { agentId: string; name: string }) {
  const admin = useIsAdmin();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!admin) return null;

  async function remove() {
    setBusy(true);
    setError(null);
    try {
      await callJson("DELETE", `/api/agents/${encodeURIComponent(agentId)}`);
      // The fleet page renders afresh (it is dynamic), without this machine.
      router.push("/");
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  }

  return (
    <>
      <Button
        variant="ghost"
        style={{ color: "var(--red)" }}
        onClick={() => {
          setError(null);
          setOpen(true);
        }}
        data-testid="remove-machine"
      >
        Remove machine
      </Button>
      <ConfirmDialog open={open} title={`Remove “${name}” from the fleet?`} confirmLabel="Remove machine" danger busy={busy} onConfirm={asyncHandler(remove)} onCancel={() => setOpen(false)}>
        <div className="stack" data-testid="remove-machine-explanation">
          <p>
            The console forgets this machine and revokes its certificate: from now on the console refuses it, even at the same
            address. Its agent and services keep running there, unmanaged.
          </p>
          <p>To bring it back, add it again from the fleet page and run the new enrollment command on it.</p>
          {error ? <ErrorNotice message={error} testId="remove-machine-error" /> : null}
        </div>
      </ConfirmDialog>
    </>
  );
}
