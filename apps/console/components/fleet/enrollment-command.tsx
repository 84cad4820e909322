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
  const [copyError, setCopyError] = useState<string | null>(null);
  const { enrollment } = created;
  const [tone, label] = PROGRESS[progress];

  return (
    <div className="stack" data-testid="enrollment-created">
      <Notice tone="warn" testId="enrollment-once">
        <div className="notice-title">Copy the command now: its one-time token is not shown again.</div>
        If it is lost, revoke this enrollment below and add the machine again.
      </Notice>
      {copyError ? <ErrorNotice message={copyError} testId="enrollment-copy-error" /> : null}
      <div className={styles.step}>
        <h3>On the new machine</h3>
        {created.agentArtifact ? (
          <p className="muted">
            Linux x64 with systemd and curl, nothing else: as root, paste this. It downloads the agent ({created.agentArtifact.version}, with its own
            Node) from this console, checks its SHA-256, installs it in <code>/opt/sysward</code>, enrols it and starts it as a system service. To
            run it as one user instead (a user service, <code>~/.local/opt/sysward</code>), paste it as that user with <code>--user</code> added.
          </p>
        ) : (
          <Notice tone="warn" testId="enrollment-no-artifact">
            This console serves no agent to install (<code>npm run package</code> builds it). On a machine whose agent runs from a Sysward checkout,
            with the same <code>SYSWARD_DATA_DIR</code> as that agent, run this, then restart the agent:
          </Notice>
        )}
        <CommandBox command={created.command} testId="enrollment-command" copyTestId="enrollment-copy" onCopyError={setCopyError} />
        {created.agentArtifact ? (
          <details data-testid="enrollment-enroll-details">
            <summary className="muted">Its agent is installed already (a checkout, or by hand)?</summary>
            <p className="muted">
              With the same <code>SYSWARD_DATA_DIR</code> as that agent, run this instead, then restart the agent:
            </p>
            <CommandBox command={created.enrollCommand} testId="enrollment-enroll-command" copyTestId="enrollment-enroll-copy" onCopyError={setCopyError} />
          </details>
        ) : null}
        <p className="muted">It appears in the fleet as soon as it has enrolled and this console reaches it.</p>
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

/** A command to paste, with a Copy button. */
function CommandBox({ command, testId, copyTestId, onCopyError }: { command: string; testId: string; copyTestId: string; onCopyError(message: string | null): void }) {
  const [copied, setCopied] = useState(false);

  async function copy() {
    try {
      await navigator.clipboard.writeText(command);
      setCopied(true);
      onCopyError(null);
    } catch {
      onCopyError("Copying failed (the clipboard needs HTTPS or localhost); select the command and copy it by hand.");
    }
  }

  return (
    <div className={styles.commandRow}>
      <pre className={styles.command} data-testid={testId}>
        {command}
      </pre>
      <Button onClick={asyncHandler(copy)} data-testid={copyTestId}>
        {copied ? "Copied" : "Copy"}
      </Button>
    </div>
  );
}
