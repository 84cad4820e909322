"use client";

import { packageNameProblem } from "@sysward/contract";
import { useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { asyncHandler } from "../../lib/client/async-handler";
import type { RolloutDetail } from "../../lib/shared/rollout-types";
import { Button } from "../ui/button";
import { ErrorNotice } from "../ui/error-notice";

/**
 * Starts a rollout: the ZIP goes once to the console (POST /api/rollouts, multipart, the fields
 * first as the route wants them), which streams it to each machine in waves. Prefilled from
 * ?name=&selector= (the Services page links here with its filters).
 */
export function StartRolloutForm() {
  const params = useSearchParams();
  const router = useRouter();
  const [name, setName] = useState(params.get("name") ?? "");
  const [selector, setSelector] = useState(params.get("selector") ?? "");
  const [canary, setCanary] = useState("1");
  const [batch, setBatch] = useState("1");
  const [health, setHealth] = useState("30");
  const [onFailure, setOnFailure] = useState("stop");
  const [approve, setApprove] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const problem = packageNameProblem(name) ?? (selector.trim() ? null : "Give the labels of the machines it goes to (role=web).") ?? (file ? null : "Choose the ZIP to roll out.");
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    const form = new FormData();
    for (const [k, v] of [["name", name], ["selector", selector], ["canary", canary], ["batch", batch], ["healthSeconds", health], ["onFailure", onFailure], ["approveAfterCanary", String(approve)]]) form.append(k!, v!);
    form.append("package", file!, file!.name);
    try {
      const res = await fetch("/api/rollouts", { method: "POST", body: form });
      const body = (await res.json().catch(() => ({}))) as { rollout?: RolloutDetail; error?: string; runningId?: number };
      if (res.status === 201 && body.rollout) return router.push(`/rollouts/${body.rollout.id}`);
      setError(body.runningId ? `${body.error} (rollout #${body.runningId})` : (body.error ?? `The console answered HTTP ${res.status}.`));
    } catch {
      setError("The console could not be reached. Check your connection and try again.");
    } finally {
      setBusy(false);
    }
  }

  const text = (id: string, label: string, value: string, set: (v: string) => void, hint?: string, mono = false) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} className={`input${mono ? " mono" : ""}`} value={value} onChange={(e) => set(e.target.value)} disabled={busy} data-testid={id} />
      {hint ? <div className="field-hint">{hint}</div> : null}
    </div>
  );

  return (
    <section className="card" data-testid="start-rollout">
      <div className="card-header">
        <div>
          <h2>Start a rollout</h2>
          <p className="muted">One package to every machine whose labels match, in waves: the next wave starts only when every machine of this one passed its health window.</p>
        </div>
      </div>
      <div className="card-body">
        <form className="stack" onSubmit={asyncHandler(submit)} noValidate data-testid="start-rollout-form">
          <div className="row" style={{ flexWrap: "wrap", alignItems: "flex-start" }}>
            {text("rollout-name", "Service", name, setName)}
            {text("rollout-selector", "Machine labels", selector, setSelector, "e.g. role=web,env=prod", true)}
            {text("rollout-canary", "Canary machines", canary, setCanary)}
            {text("rollout-batch", "Then per wave", batch, setBatch, "a count, or 25%")}
            {text("rollout-health", "Health window (s)", health, setHealth)}
            <div className="field">
              <label htmlFor="rollout-on-failure">When a machine fails</label>
              <select id="rollout-on-failure" className="select" value={onFailure} onChange={(e) => setOnFailure(e.target.value)} disabled={busy} data-testid="rollout-on-failure">
                <option value="stop">stop there</option>
                <option value="revert-all">revert every machine</option>
              </select>
            </div>
          </div>
          <label className="row">
            <input type="checkbox" checked={approve} onChange={(e) => setApprove(e.target.checked)} disabled={busy} data-testid="rollout-approve" />
            Wait for my approval after the canary wave
          </label>
          <input type="file" accept=".zip,application/zip" onChange={(e) => setFile(e.target.files?.[0] ?? null)} disabled={busy} aria-label="Package file (ZIP)" data-testid="rollout-file" />
          {error ? <ErrorNotice title="Not started" message={error} testId="start-rollout-error" /> : null}
          <div>
            <Button type="submit" variant="primary" disabled={busy} data-testid="start-rollout-submit">
              {busy ? "Uploading…" : "Start rollout"}
            </Button>
          </div>
        </form>
      </div>
    </section>
  );
}
