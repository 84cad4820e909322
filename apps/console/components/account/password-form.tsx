"use client";

import { useState, type FormEvent } from "react";
import { asyncHandler } from "../../lib/client/async-handler";
import { callJson } from "../../lib/client/json-api";
import { useAdminAction } from "../admin/use-admin-action";
import { Button } from "../ui/button";
import { ErrorNotice, Notice } from "../ui/error-notice";

/** Any user's own password: the current one, then the new one twice. Other sessions end. */
export function PasswordForm() {
  const { busy, error, setError, run } = useAdminAction();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [done, setDone] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(false);
    if (next !== again) return setError("the new password and its repetition differ");
    const ok = await run(() => callJson("POST", "/api/auth/password", { currentPassword: current, newPassword: next }));
    if (ok) {
      setCurrent("");
      setNext("");
      setAgain("");
      setDone(true);
    }
  }

  return (
    <section className="card" data-testid="password-panel">
      <div className="card-header">
        <div>
          <h2>Your password</h2>
          <p className="muted">Changing it signs you out everywhere else.</p>
        </div>
      </div>
      <div className="card-body stack">
        {error ? <ErrorNotice title="Password not changed" message={error} testId="password-error" /> : null}
        {done ? (
          <Notice tone="success" testId="password-changed">
            <div className="notice-title">Password changed. Your other sessions have ended.</div>
          </Notice>
        ) : null}
        <form onSubmit={asyncHandler(submit)} className="row" style={{ alignItems: "flex-end" }} data-testid="password-form">
          {(
            [
              ["password-current", "Current password", current, setCurrent, "current-password"],
              ["password-new", "New password", next, setNext, "new-password"],
              ["password-again", "New password again", again, setAgain, "new-password"],
            ] as const
          ).map(([id, label, value, set, autoComplete]) => (
            <div className="field" style={{ flex: "1 1 180px" }} key={id}>
              <label htmlFor={id}>{label}</label>
              <input id={id} type="password" className="input" value={value} onChange={(e) => set(e.target.value)} autoComplete={autoComplete} required data-testid={id} />
            </div>
          ))}
          <Button type="submit" variant="primary" disabled={busy || !current || !next} data-testid="password-submit">
            Change password
          </Button>
        </form>
      </div>
    </section>
  );
}
