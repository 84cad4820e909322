import type { UploadPhase } from "../../lib/client/upload-events";
import type { UploadState } from "../../lib/client/upload-state";
import styles from "./upload-form.module.css";

const STEPS: { id: UploadPhase | "upload"; label: string }[] = [
  { id: "upload", label: "Upload" },
  { id: "verifying", label: "Verify package" },
  { id: "starting", label: "Start new version" },
  { id: "health", label: "Health check" },
  { id: "running", label: "Running" },
];
const ORDER: Record<string, number> = { upload: 0, receiving: 0, verifying: 1, starting: 2, health: 3, running: 4 };

/** The install's steps with done / current / failed marks, from the reducer's state. */
export function UploadSteps({ state, healthLeft }: { state: UploadState; healthLeft: number | null }) {
  // Once every byte is sent the agent's work is the current step, even before it reports a phase.
  const uploaded = state.status !== "uploading" && state.total > 0 && state.loaded >= state.total;
  const reached = Math.max(0, ...state.seen.map((p) => ORDER[p] ?? 0));
  // FailedPrecondition is the agent's answer when the new version started and then failed; the
  // progress poll may have missed the short-lived phases, so do not blame verification for it.
  const startedThenFailed = state.failure?.code === "failed_precondition" && state.failure.logLines.length > 0 ? 3 : 0;
  const currentIndex = Math.max(reached, uploaded ? 1 : 0, startedThenFailed);
  const failed = state.status === "failed";
  return (
    <ol className={styles.steps} data-testid="upload-phase" data-phase={state.phase ?? (state.status === "uploading" ? "uploading" : "")}>
      {STEPS.map((step, i) => {
        const done = state.status === "succeeded" || i < currentIndex;
        const current = !done && i === currentIndex;
        const cls = done ? styles.stepDone : current ? (failed ? styles.stepFailed : styles.stepCurrent) : "";
        return (
          <li key={step.id} className={`${styles.step} ${cls}`} aria-current={current ? "step" : undefined}>
            <span className={styles.stepMark} aria-hidden>
              {done ? "✓" : current && failed ? "!" : i + 1}
            </span>
            <span>
              {step.label}
              {current && !failed ? <StepDetail step={step.id} state={state} healthLeft={healthLeft} /> : null}
            </span>
          </li>
        );
      })}
    </ol>
  );
}

function StepDetail({ step, state, healthLeft }: { step: string; state: UploadState; healthLeft: number | null }) {
  if (step === "health") {
    const text = healthLeft !== null ? `${healthLeft} s left` : state.detail;
    return text ? (
      <span className={styles.stepDetail} data-testid="upload-health-countdown">
        {" "}
        · {text}
      </span>
    ) : null;
  }
  return state.detail && step !== "upload" ? <span className={styles.stepDetail}> · {state.detail}</span> : null;
}
