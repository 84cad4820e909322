"use client";

import { MAX_HEALTH_SECONDS, PACKAGE_NAME_RULE, packageNameProblem } from "@sysward/contract";
import { useEffect, useReducer, useRef, useState, type DragEvent, type FormEvent } from "react";
import { formatBytes } from "../../lib/client/format";
import { suggestPackageName } from "../../lib/client/suggest-package-name";
import { sendPackage } from "../../lib/client/upload-request";
import { healthSecondsLeft, initialUploadState, uploadPercent, uploadReducer } from "../../lib/client/upload-state";
import { Button } from "../ui/button";
import { ErrorNotice, Notice } from "../ui/error-notice";
import styles from "./upload-form.module.css";
import { UploadSteps } from "./upload-steps";
import { asyncHandler } from "../../lib/client/async-handler";

/** The agent's health window when none is given (InstallHeader.health_seconds unset). */
const DEFAULT_HEALTH_SECONDS = 30;

function healthProblem(text: string): string | null {
  if (text.trim() === "") return null;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > MAX_HEALTH_SECONDS) return `Health window must be a whole number of seconds from 0 to ${MAX_HEALTH_SECONDS}.`;
  return null;
}

export function UploadForm({ agentId, installed, onFinished }: { agentId: string; installed: string[]; onFinished(): void }) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [nameTouched, setNameTouched] = useState(false);
  const [health, setHealth] = useState("");
  const [dragging, setDragging] = useState(false);
  const [submitted, setSubmitted] = useState(false);
  const [state, dispatch] = useReducer(uploadReducer, initialUploadState);
  const [now, setNow] = useState(() => Date.now());
  const abortRef = useRef<(() => void) | null>(null);
  const healthSecondsRef = useRef(DEFAULT_HEALTH_SECONDS);
  const fileInput = useRef<HTMLInputElement>(null);
  // What the person asked for, for wording the outcome ("previous version" only if there was one).
  const submittedName = useRef<string | null>(null);
  const installedAtSubmit = useRef(false);

  const busy = state.status === "uploading" || state.status === "installing";
  const nameError = nameTouched || submitted ? packageNameProblem(name) : null;
  const healthError = healthProblem(health);
  const fileError = submitted && !file ? "Choose a ZIP package to upload." : null;

  // Tick once a second during the health window for the countdown.
  useEffect(() => {
    if (state.phase !== "health" || state.status !== "installing") return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [state.phase, state.status]);

  // Cancel an upload in flight when the page goes away.
  useEffect(() => () => abortRef.current?.(), []);

  function pick(f: File | null) {
    setFile(f);
    if (f && (!nameTouched || name === "")) {
      setName(suggestPackageName(f.name));
    }
    if (state.status === "succeeded" || state.status === "failed") dispatch({ type: "reset" });
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    if (busy) return;
    const f = e.dataTransfer.files[0];
    if (f) pick(f);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    setNameTouched(true);
    if (!file || packageNameProblem(name) || healthProblem(health)) return;
    const healthSeconds = health.trim() === "" ? undefined : Number(health);
    healthSecondsRef.current = healthSeconds ?? DEFAULT_HEALTH_SECONDS;
    submittedName.current = name;
    installedAtSubmit.current = installed.includes(name);
    dispatch({ type: "start", total: file.size });
    const { done, abort } = sendPackage({
      agentId,
      name,
      healthSeconds,
      file,
      onProgress: (loaded, total) => dispatch({ type: "progress", loaded, total }),
      onEvent: (event) => dispatch({ type: "event", event, now: Date.now() }),
    });
    abortRef.current = abort;
    const outcome = await done;
    abortRef.current = null;
    if (outcome.kind === "ok") dispatch({ type: "ended" });
    else dispatch({ type: "error", message: outcome.message, code: outcome.kind === "http-error" ? `http_${outcome.status}` : outcome.kind });
    onFinished();
  }

  function reset() {
    dispatch({ type: "reset" });
    setFile(null);
    setName("");
    setNameTouched(false);
    setSubmitted(false);
    if (fileInput.current) fileInput.current.value = "";
  }

  const percent = uploadPercent(state);
  const wasInstalled = submittedName.current !== null && installedAtSubmit.current;
  const replacing = installed.includes(name);
  const healthLeft = healthSecondsLeft(state, healthSecondsRef.current, now);

  return (
    <section className="card" data-testid="upload-card">
      <div className="card-header">
        <div>
          <h2>Install a package</h2>
          <p className="muted">A ZIP with the program at its root (named like the package, or set by a manifest).</p>
        </div>
      </div>
      <div className="card-body">
        <form className={styles.form} onSubmit={asyncHandler(submit)} noValidate data-testid="upload-form">
          <div className={styles.fields}>
            <div
              className={`${styles.drop} ${dragging ? styles.dragging : ""}`}
              onDragOver={(e) => {
                e.preventDefault();
                if (!busy) setDragging(true);
              }}
              onDragLeave={() => setDragging(false)}
              onDrop={onDrop}
              data-testid="upload-dropzone"
            >
              <input
                ref={fileInput}
                className={styles.fileInput}
                type="file"
                accept=".zip,application/zip,application/x-zip-compressed"
                disabled={busy}
                onChange={(e) => pick(e.target.files?.[0] ?? null)}
                aria-label="Package file (ZIP)"
                data-testid="upload-file"
              />
              <span className={styles.dropIcon} aria-hidden>
                ⇪
              </span>
              {file ? (
                <>
                  <span className={styles.fileName} data-testid="upload-file-name">
                    {file.name}
                  </span>
                  <span className="muted">{formatBytes(file.size)} · click or drop to choose another</span>
                </>
              ) : (
                <>
                  <span>
                    <strong>Drop a ZIP here</strong> or click to choose a file
                  </span>
                  <span className="muted">The upload streams straight to the agent.</span>
                </>
              )}
            </div>
            {fileError ? <div className="field-error">{fileError}</div> : null}
            <div className={styles.rowFields}>
              <div className="field">
                <label htmlFor="upload-name">Package name</label>
                <input
                  id="upload-name"
                  className="input"
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                  onBlur={() => setNameTouched(true)}
                  disabled={busy}
                  autoComplete="off"
                  spellCheck={false}
                  maxLength={200}
                  aria-invalid={nameError ? true : undefined}
                  aria-describedby="upload-name-help"
                  data-testid="upload-name"
                />
                {nameError ? (
                  <div id="upload-name-help" className="field-error" data-testid="upload-name-error">
                    {nameError}
                  </div>
                ) : (
                  <div id="upload-name-help" className="field-hint">
                    {replacing ? `Replaces the installed ${name}; its current version is kept for rollback.` : `Package names are ${PACKAGE_NAME_RULE}.`}
                  </div>
                )}
              </div>
              <div className="field">
                <label htmlFor="upload-health">Health window</label>
                <input
                  id="upload-health"
                  className="input"
                  inputMode="numeric"
                  placeholder={`${DEFAULT_HEALTH_SECONDS}`}
                  value={health}
                  onChange={(e) => setHealth(e.target.value)}
                  disabled={busy}
                  aria-invalid={healthError ? true : undefined}
                  data-testid="upload-health"
                />
                <div className={healthError ? "field-error" : "field-hint"} data-testid={healthError ? "upload-health-error" : undefined}>
                  {healthError ?? "seconds it must stay up"}
                </div>
              </div>
            </div>
            <div className={styles.submitRow}>
              <Button type="submit" variant="primary" disabled={busy} data-testid="upload-submit">
                {busy ? "Installing…" : replacing ? "Upload and replace" : "Upload and install"}
              </Button>
              {state.status === "uploading" ? (
                <Button onClick={() => abortRef.current?.()} data-testid="upload-cancel">
                  Cancel upload
                </Button>
              ) : null}
              {state.status === "succeeded" || state.status === "failed" ? (
                <Button variant="ghost" onClick={reset} data-testid="upload-reset">
                  Install another
                </Button>
              ) : null}
            </div>
          </div>
          <div>
            {state.status === "idle" ? (
              <div className={styles.placeholder}>
                Progress appears here: the upload, then the agent verifying the package, starting it and watching it through the health window.
                If the new version fails, the previous one keeps running.
              </div>
            ) : (
              <div className={styles.progressBlock}>
                <div>
                  <div className={styles.progressHead}>
                    <span>{state.status === "uploading" ? "Uploading" : "Uploaded"}</span>
                    <span>
                      {formatBytes(state.loaded)} of {formatBytes(state.total)} · {percent} %
                    </span>
                  </div>
                  <div
                    className="progress"
                    role="progressbar"
                    aria-label="Upload progress"
                    aria-valuemin={0}
                    aria-valuemax={100}
                    aria-valuenow={percent}
                    data-testid="upload-progress"
                    data-percent={percent}
                  >
                    <div className="progress-bar" style={{ width: `${percent}%` }} />
                  </div>
                </div>
                <UploadSteps state={state} healthLeft={healthLeft} />
                <UploadOutcome state={state} wasInstalled={wasInstalled} />
              </div>
            )}
          </div>
        </form>
      </div>
    </section>
  );
}

function UploadOutcome({ state, wasInstalled }: { state: ReturnType<typeof uploadReducer>; wasInstalled: boolean }) {
  if (state.status === "succeeded" && state.service) {
    const s = state.service;
    return (
      <Notice tone="success" testId="upload-result">
        <div className="notice-title">
          {s.name} is running version <span data-testid="upload-result-version">{s.version}</span>
        </div>
        <div className={styles.sha} title={s.sha256}>
          sha256 <span data-testid="upload-result-sha256">{s.sha256}</span>
        </div>
        {s.pids.length || s.runtime ? (
          <div className="muted">
            {s.runtime ? `runtime ${s.runtime}` : ""}
            {s.pids.length ? ` · pid ${s.pids.join(", ")}` : ""}
          </div>
        ) : null}
      </Notice>
    );
  }
  if (state.status === "failed" && state.failure) {
    const f = state.failure;
    return (
      <ErrorNotice
        testId="upload-error"
        title={f.code.startsWith("http_") || f.code === "network-error" || f.code === "aborted" ? "Upload failed" : "Install failed"}
        message={
          <>
            <div data-testid="upload-error-message">{f.message}</div>
            {f.previousStillRunning === true ? (
              <div data-testid="upload-previous-running" style={{ marginTop: 6, fontWeight: 600 }}>
                The previous version is still running.
              </div>
            ) : null}
            {f.previousStillRunning === false ? (
              <div style={{ marginTop: 6 }} data-testid="upload-previous-not-running">
                {wasInstalled ? "The previous version is not running either; check the services table." : "Nothing was installed under this name before, so nothing is running."}
              </div>
            ) : null}
            {f.logLines.length ? (
              <pre className={styles.logLines} data-testid="upload-log-lines">
                {f.logLines.join("\n")}
              </pre>
            ) : null}
          </>
        }
      />
    );
  }
  return null;
}
