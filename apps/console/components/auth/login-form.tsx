"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Button } from "../ui/button";
import { ErrorNotice } from "../ui/error-notice";
import { formatDuration } from "../../lib/client/format";
import { safeNext } from "../../lib/client/safe-next";
import styles from "./login-form.module.css";
import { asyncHandler } from "../../lib/client/async-handler";

export function LoginForm({ next }: { next?: string }) {
  const router = useRouter();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!username.trim() || !password) {
      setError("Enter your username and password.");
      return;
    }
    setBusy(true);
    try {
      const res = await fetch("/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: username.trim(), password }),
      });
      if (res.ok) {
        router.replace(safeNext(next));
        router.refresh();
        return;
      }
      const body = (await res.json().catch(() => ({}))) as { error?: string; retryAfterSeconds?: number };
      if (res.status === 429) {
        const wait = body.retryAfterSeconds ? ` Try again in ${formatDuration(body.retryAfterSeconds)}.` : "";
        setError(`${body.error ?? "Too many attempts."}${wait}`);
      } else {
        setError(body.error ?? `Login failed (HTTP ${res.status}).`);
      }
    } catch {
      setError("The console could not be reached. Check your connection and try again.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className={styles.page}>
      <div className={styles.panel}>
        <div className={styles.brand}>
          <span className="brand-mark" aria-hidden style={{ width: 40, height: 40, fontSize: 20, borderRadius: 10 }}>
            S
          </span>
          <h1>Sign in to Sysward</h1>
          <p className="muted">Deploy and watch services across your machines.</p>
        </div>
        <form className={`card ${styles.card}`} onSubmit={asyncHandler(submit)} noValidate data-testid="login-form">
          {error ? <ErrorNotice message={error} testId="login-error" /> : null}
          <div className="field">
            <label htmlFor="login-username">Username</label>
            <input
              id="login-username"
              className="input"
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              autoFocus
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              data-testid="login-username"
            />
          </div>
          <div className="field">
            <label htmlFor="login-password">Password</label>
            <input
              id="login-password"
              className="input"
              type="password"
              name="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              data-testid="login-password"
            />
          </div>
          <Button type="submit" variant="primary" className={styles.submit} disabled={busy} data-testid="login-submit">
            {busy ? "Signing in…" : "Sign in"}
          </Button>
        </form>
        <p className={styles.footer}>The first admin password is printed once when the console first starts.</p>
      </div>
    </main>
  );
}
