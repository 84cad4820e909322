// What the upload form shows, as a pure reducer over XHR progress and the route's NDJSON events.
import type { InstalledService, UploadEvent, UploadPhase } from "./upload-events";

export type UploadStatus = "idle" | "uploading" | "installing" | "succeeded" | "failed";

export interface UploadFailure {
  message: string;
  /** "failed_precondition", "http_413", "network"…: what kind of failure, for the UI's wording. */
  code: string;
  logLines: string[];
  /** null when unknown (the failure happened before the agent decided anything). */
  previousStillRunning: boolean | null;
}

export interface UploadState {
  status: UploadStatus;
  loaded: number;
  total: number;
  phase: UploadPhase | null;
  detail: string;
  /** Phases in the order they were first seen, for the step list. */
  seen: UploadPhase[];
  /** Client clock when the health phase began, for the countdown. */
  healthStartedAt: number | null;
  service: InstalledService | null;
  failure: UploadFailure | null;
}

export type UploadAction =
  | { type: "start"; total: number }
  | { type: "progress"; loaded: number; total: number }
  | { type: "event"; event: UploadEvent; now: number }
  | { type: "error"; message: string; code: string }
  | { type: "ended" }
  | { type: "reset" };

export const initialUploadState: UploadState = {
  status: "idle",
  loaded: 0,
  total: 0,
  phase: null,
  detail: "",
  seen: [],
  healthStartedAt: null,
  service: null,
  failure: null,
};

const FINAL: ReadonlySet<UploadStatus> = new Set(["succeeded", "failed"]);

export function uploadReducer(state: UploadState, action: UploadAction): UploadState {
  switch (action.type) {
    case "reset":
      return initialUploadState;
    case "start":
      return { ...initialUploadState, status: "uploading", total: action.total };
    case "progress": {
      if (FINAL.has(state.status)) return state;
      const total = action.total > 0 ? action.total : state.total;
      const loaded = Math.min(action.loaded, total || action.loaded);
      // Every byte sent: from here on the agent's phases are the news.
      const status = state.status === "uploading" && total > 0 && loaded >= total ? "installing" : state.status;
      return { ...state, loaded, total, status };
    }
    case "event":
      return applyEvent(state, action.event, action.now);
    case "error":
      if (FINAL.has(state.status)) return state;
      return {
        ...state,
        status: "failed",
        failure: { message: action.message, code: action.code, logLines: [], previousStillRunning: null },
      };
    case "ended":
      if (FINAL.has(state.status) || state.status === "idle") return state;
      return {
        ...state,
        status: "failed",
        failure: {
          message: "the console closed the connection before the install finished; check the services table for the outcome",
          code: "incomplete",
          logLines: [],
          previousStillRunning: null,
        },
      };
  }
}

function applyEvent(state: UploadState, event: UploadEvent, now: number): UploadState {
  if (FINAL.has(state.status)) return state;
  if (event.type === "phase") {
    const seen = state.seen.includes(event.phase) ? state.seen : [...state.seen, event.phase];
    const healthStartedAt = event.phase === "health" ? (state.healthStartedAt ?? now) : state.healthStartedAt;
    // "receiving" can arrive while bytes are still going up; later phases mean the upload is done.
    const status = event.phase === "receiving" && state.status === "uploading" ? "uploading" : "installing";
    const loaded = status === "installing" && state.total > 0 ? state.total : state.loaded;
    return { ...state, status, loaded, phase: event.phase, detail: event.detail, seen, healthStartedAt };
  }
  if (event.ok) {
    const seen: UploadPhase[] = state.seen.includes("running") ? state.seen : [...state.seen, "running"];
    return { ...state, status: "succeeded", loaded: state.total || state.loaded, phase: "running", seen, service: event.service };
  }
  return {
    ...state,
    status: "failed",
    failure: {
      message: event.message,
      code: event.code,
      logLines: event.logLines,
      previousStillRunning: event.previousStillRunning,
    },
  };
}

/** Whole percent of bytes sent, 0..100. */
export function uploadPercent(state: Pick<UploadState, "loaded" | "total">): number {
  if (state.total <= 0) return 0;
  return Math.max(0, Math.min(100, Math.floor((state.loaded / state.total) * 100)));
}

/** Seconds left in the health window by the client's clock, or null outside the health phase. */
export function healthSecondsLeft(state: UploadState, healthSeconds: number, now: number): number | null {
  if (state.phase !== "health" || state.healthStartedAt === null || state.status !== "installing") return null;
  return Math.max(0, Math.ceil(healthSeconds - (now - state.healthStartedAt) / 1000));
}
