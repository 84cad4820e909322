"use client";

import { useState, type ReactNode } from "react";
import { Button } from "../ui/button";
import { AddBySsh } from "./add-by-ssh";
import { AddMachineForm } from "./add-machine-form";
import { EnrollmentCommand, type EnrollmentProgress } from "./enrollment-command";
import type { CreatedEnrollment, PendingEnrollment } from "./enrollment-types";

/**
 * The fleet page's header for admins, with "Add machine": a form for step 1 of enrollment, then
 * the command to run on the new machine, which follows the machine until it is in the fleet.
 * `agentIds` and `pending` come from the server render (refreshed by PendingEnrollments' poll).
 */
export function AddMachine({ heading, agentIds, pending }: { heading: ReactNode; agentIds: string[]; pending: PendingEnrollment[] }) {
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState<CreatedEnrollment | null>(null);
  // Until the refresh after creating lands, the new enrollment is in no list yet: not "revoked".
  const [seenPending, setSeenPending] = useState(false);

  function close() {
    setOpen(false);
    setCreated(null);
  }

  const stillPending = created ? pending.find((p) => p.id === created.enrollment.id) : undefined;
  if (stillPending && !seenPending) setSeenPending(true);
  let progress: EnrollmentProgress = "waiting";
  if (stillPending) progress = stillPending.expired ? "expired" : "waiting";
  else if (created && agentIds.includes(created.enrollment.agentId)) progress = "enrolled";
  else if (seenPending) progress = "cancelled";

  return (
    <>
      <div className="page-header">
        {heading}
        {open ? null : (
          <Button variant="primary" onClick={() => setOpen(true)} data-testid="add-machine">
            Add machine
          </Button>
        )}
      </div>
      {open ? (
        <section className="card" data-testid="add-machine-panel" aria-labelledby="add-machine-title">
          <div className="card-header">
            <div>
              <h2 id="add-machine-title">Add a machine</h2>
              <p className="muted">
                One command, pasted on the new machine, installs the Sysward agent this console serves and enrols it: its agent
                proves who it is, gets a certificate from this console and listens for it over mutual TLS.
              </p>
            </div>
          </div>
          <div className="card-body">
            {created ? <EnrollmentCommand created={created} progress={progress} onDone={close} /> : (
              <>
                <AddMachineForm
                  onCreated={(c) => {
                    setSeenPending(false);
                    setCreated(c);
                  }}
                  onCancel={close}
                />
                <AddBySsh onAdded={close} />
              </>
            )}
          </div>
        </section>
      ) : null}
    </>
  );
}
