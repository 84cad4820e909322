"use client";

import { useState } from "react";
import { callJson } from "../../lib/client/json-api";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { ErrorNotice, Notice } from "../ui/error-notice";
import { LocalTime } from "../ui/local-time";
import { useAdminAction } from "./use-admin-action";
import { asyncHandler } from "../../lib/client/async-handler";

export interface ConsoleCertificateFacts {
  caSha256: string;
  clientCertificate: { serial: string; notAfter: string };
}

/**
 * The console's certificate authority and the client certificate it shows remote agents, with
 * "Rotate" for when that certificate's key may have leaked (a lost backup of the data dir).
 */
export function ConsoleCertificatePanel({ facts, unavailable }: { facts: ConsoleCertificateFacts | null; unavailable?: string }) {
  const { busy, error, run } = useAdminAction();
  const [confirming, setConfirming] = useState(false);
  const [rotated, setRotated] = useState<string | null>(null);

  async function rotate() {
    const ok = await run(async () => {
      const body = await callJson<{ previous: { serial: string } }>("POST", "/api/pki/console-certificate");
      setRotated(body.previous.serial);
    });
    if (ok) setConfirming(false);
  }

  return (
    <section className="card" data-testid="console-certificate-panel">
      <div className="card-header">
        <div>
          <h2>Console certificate</h2>
          <p className="muted">Remote machines trust this console&apos;s certificate authority, and accept its client certificate (plus each agent&apos;s token).</p>
        </div>
      </div>
      <div className="card-body stack">
        {unavailable ? <ErrorNotice message={unavailable} testId="console-certificate-unavailable" /> : null}
        {error ? <ErrorNotice message={error} testId="console-certificate-error" /> : null}
        {rotated ? (
          <Notice tone="success" testId="console-certificate-rotated">
            Certificate {rotated} is revoked and a new one is in use. Remote agents refuse the old one once they fetch the new revocation list (within the hour).
          </Notice>
        ) : null}
        {facts ? (
          <dl className="facts-list" data-testid="console-certificate-facts">
            <dt>CA fingerprint (SHA-256)</dt>
            <dd className="mono" data-testid="console-ca-sha256">
              {facts.caSha256}
            </dd>
            <dt>Client certificate</dt>
            <dd className="mono" data-testid="console-client-serial">
              {facts.clientCertificate.serial}
            </dd>
            <dt>Valid until</dt>
            <dd data-testid="console-client-not-after">
              <LocalTime iso={facts.clientCertificate.notAfter} /> <span className="muted">(renewed automatically at start when under 30 days are left)</span>
            </dd>
          </dl>
        ) : null}
        <div className="row">
          <Button variant="danger" disabled={busy || !facts} onClick={() => setConfirming(true)} data-testid="console-certificate-rotate">
            Rotate client certificate
          </Button>
        </div>
      </div>
      <ConfirmDialog
        open={confirming}
        title="Rotate the console's client certificate?"
        confirmLabel="Rotate and revoke the old one"
        danger
        busy={busy}
        onConfirm={asyncHandler(rotate)}
        onCancel={() => setConfirming(false)}
      >
        The console starts using a new key and certificate at once, and the current one is revoked: every remote agent refuses it after its
        next hourly refresh. Do this when a copy of the console&apos;s data directory may have leaked.
      </ConfirmDialog>
    </section>
  );
}
