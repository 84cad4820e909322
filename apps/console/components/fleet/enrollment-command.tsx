"use client";

import { useState } from "react";
import { Button } from "../ui/button";
import { ErrorNotice, Notice } from "../ui/error-notice";
import { LocalTime } from "../ui/local-time";
import { StatusPill, type PillTone } from "../ui/status-pill";
import styles from "./add-machine.module.css";
import type { CreatedEnrollment } from "./enrollment-types";
import { asyncHandler } from "../../lib/client/async-handler";

/** Where the new machine is: still to run the command, in the fleet, or its token gone unused. */
export type EnrollmentProgress = "waiting" | "enrolled" | "expired" | "cancelled";

const PROGRESS: Record<EnrollmentProgress, [PillTone, string]> = {
  waiting: ["unknown", "Waiting for the machine to enrol"],
  enrolled: ["up", "Enrolled: the machine is in the fleet"],
  expired: ["warn", "Expired unused: add the machine again"],
  cancelled: ["stopped", "Revoked"],
};

/** Step 2, for the person at the new machine: the exact command (token inside, shown this once). */
export function EnrollmentCommand({ created, progress, onDone }: { created: CreatedEnrollment; progress: EnrollmentProgress; onDone(): void }) {
  const [copied, setCopied] = useState(false);
  const [copyError, setCopyError] = useState<string | null>(null);
  const { enrollment } = created;
  const [tone, label] = PROGRESS[progress];

  async function copy() {
    try {
      await navigator.clipboard.writeText(created.command);
      setCopied(true);
      setCopyError(null);
    } catch {
      setCopyError("Copying failed (the clipboard needs HTTPS or localhost); select the command and copy it by hand.");
    }
  }

  return (
    <div className="stack" data-testid="enrollment-created">
      <Notice tone="warn" testId="enrollment-once">
        <div className="notice-title">Copy the command now: its one-time token is not shown again.</div>
        If it is lost, revoke this enrollment below and add the machine again.
      </Notice>
      {copyError ? <ErrorNotice message={copyError} testId="enrollment-copy-error" /> : null}
      <div className={styles.step}>
        <h3>On the new machine</h3>
        <p className="muted">
          In its Sysward checkout (with the agent built), using the same <code>SYSWARD_DATA_DIR</code> as its agent, run:
        </p>
        <div className={styles.commandRow}>
          <pre className={styles.command} data-testid="enrollment-command">
            {created.command}
          </pre>
          <Button onClick={asyncHandler(copy)} data-testid="enrollment-copy">
            {copied ? "Copied" : "Copy"}
          </Button>
        </div>
        <p className="muted">Then restart the agent there. It appears in the fleet as soon as it has enrolled.</p>
      </div>
      <dl className="facts-list">
        <dt>Machine</dt>
        <dd>
          {enrollment.name} <span className="muted mono">({enrollment.agentId})</span>
        </dd>
        <dt>Token expires</dt>
        <dd data-testid="enrollment-expires">
          <LocalTime iso={enrollment.expiresAt} />
        </dd>
        <dt>CA fingerprint (SHA-256)</dt>
        <dd className="mono" data-testid="enrollment-ca-sha256">
          {created.caSha256}
        </dd>
        <dt>Status</dt>
        <dd>
          <StatusPill tone={tone} testId="enrollment-progress" title={progress}>
            {label}
          </StatusPill>
        </dd>
      </dl>
      <p className="muted">The agent checks the fingerprint before it trusts this console: it is in the command already.</p>
      <div>
        <Button variant="primary" onClick={onDone} data-testid="enrollment-done">
          Done
        </Button>
      </div>
    </div>
  );
}
