"use client";

import { useState, type FormEvent } from "react";
import { callJson } from "../../lib/client/json-api";
import { useAdminAction } from "../admin/use-admin-action";
import { Button } from "../ui/button";
import { ErrorNotice } from "../ui/error-notice";
import styles from "./add-machine.module.css";
import type { CreatedEnrollment } from "./enrollment-types";
import { asyncHandler } from "../../lib/client/async-handler";

const EXPIRY_CHOICES: ReadonlyArray<[minutes: number, label: string]> = [
  [15, "15 minutes"],
  [60, "1 hour"],
  [24 * 60, "1 day"],
  [7 * 24 * 60, "7 days"],
];

/** host:port, the shape `enroll --listen` takes; the console checks the rest (no 0.0.0.0...). */
const HOST_PORT = /^\S+:\d{1,5}$/;

/** Step 1 of adding a machine: name it, say where its agent will listen, get a one-time command. */
export function AddMachineForm({ onCreated, onCancel }: { onCreated(created: CreatedEnrollment): void; onCancel(): void }) {
  const { busy, error, setError, run } = useAdminAction();
  const [name, setName] = useState("");
  const [listen, setListen] = useState("");
  // Rendered only after a click, never on the server: window is there.
  const [consoleUrl, setConsoleUrl] = useState(() => window.location.origin);
  const [expires, setExpires] = useState(60);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!HOST_PORT.test(listen.trim())) {
      setError("The listen address is host:port, e.g. 10.0.0.5:7443: an address of the new machine that this console can reach.");
      return;
    }
    await run(async () => {
      onCreated(
        await callJson<CreatedEnrollment>("POST", "/api/enrollments", {
          name: name.trim(),
          listen: listen.trim(),
          consoleUrl: consoleUrl.trim(),
          expiresInMinutes: expires,
        }),
      );
    });
  }

  return (
    <form onSubmit={asyncHandler(submit)} className="stack" data-testid="add-machine-form">
      {error ? <ErrorNotice message={error} testId="add-machine-error" /> : null}
      <div className={styles.fields}>
        <div className="field">
          <label htmlFor="machine-name">Name</label>
          <input id="machine-name" className="input" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} placeholder="e.g. Web server 1" autoComplete="off" required data-testid="add-machine-name" />
          <div className="field-hint">Shown in the fleet; its id is made from it (web-server-1).</div>
        </div>
        <div className="field">
          <label htmlFor="machine-listen">Its agent will listen on</label>
          <input id="machine-listen" className="input mono" value={listen} onChange={(e) => setListen(e.target.value)} maxLength={300} placeholder="10.0.0.5:7443" autoComplete="off" spellCheck={false} required data-testid="add-machine-listen" />
          <div className="field-hint">host:port of the new machine, as this console reaches it.</div>
        </div>
        <div className="field">
          <label htmlFor="machine-console-url">Console URL, as the machine reaches it</label>
          <input id="machine-console-url" className="input mono" type="url" value={consoleUrl} onChange={(e) => setConsoleUrl(e.target.value)} autoComplete="off" spellCheck={false} required data-testid="add-machine-console-url" />
          <div className="field-hint">The address you use now; change it if the machine knows the console by another name.</div>
        </div>
        <div className="field">
          <label htmlFor="machine-expiry">The command works for</label>
          <select id="machine-expiry" className="select" value={expires} onChange={(e) => setExpires(Number(e.target.value))} data-testid="add-machine-expiry">
            {EXPIRY_CHOICES.map(([minutes, label]) => (
              <option key={minutes} value={minutes}>
                {label}
              </option>
            ))}
          </select>
          <div className="field-hint">Once used, or after this, its token no longer works.</div>
        </div>
      </div>
      <div className={styles.actions}>
        <Button type="submit" variant="primary" disabled={busy || !name.trim() || !listen.trim() || !consoleUrl.trim()} data-testid="add-machine-submit">
          {busy ? "Creating…" : "Create enrollment command"}
        </Button>
        <Button onClick={onCancel} disabled={busy} data-testid="add-machine-cancel">
          Cancel
        </Button>
      </div>
    </form>
  );
}
