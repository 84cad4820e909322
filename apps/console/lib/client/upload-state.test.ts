import { describe, expect, it } from "vitest";
import type { UploadEvent } from "./upload-events";
import { healthSecondsLeft, initialUploadState, uploadPercent, uploadReducer, type UploadAction, type UploadState } from "./upload-state";

function run(actions: UploadAction[], from: UploadState = initialUploadState): UploadState {
  return actions.reduce(uploadReducer, from);
}
const phase = (p: string, detail = ""): UploadAction => ({
  type: "event",
  now: 1_000,
  event: { type: "phase", phase: p, detail } as UploadEvent,
});

describe("uploadReducer", () => {
  it("tracks bytes, then phases, then the running version", () => {
    const s1 = run([{ type: "start", total: 1000 }, { type: "progress", loaded: 250, total: 1000 }]);
    expect(s1.status).toBe("uploading");
    expect(uploadPercent(s1)).toBe(25);

    const s2 = run([{ type: "progress", loaded: 1000, total: 1000 }, phase("verifying"), phase("starting"), phase("health", "5 s left")], s1);
    expect(s2.status).toBe("installing");
    expect(s2.phase).toBe("health");
    expect(s2.detail).toBe("5 s left");
    expect(s2.seen).toEqual(["verifying", "starting", "health"]);

    const done = uploadReducer(s2, {
      type: "event",
      now: 2_000,
      event: { type: "result", ok: true, service: { name: "web", version: "1-aa", sha256: "aa", state: "running", pids: [], runtime: "" } },
    });
    expect(done.status).toBe("succeeded");
    expect(done.service?.version).toBe("1-aa");
    expect(done.seen.at(-1)).toBe("running");
  });

  it("keeps uploading while the agent reports receiving", () => {
    const s = run([{ type: "start", total: 1000 }, phase("receiving"), { type: "progress", loaded: 400, total: 1000 }]);
    expect(s.status).toBe("uploading");
    expect(uploadPercent(s)).toBe(40);
  });

  it("reports the agent's failure with its log lines, and ignores anything after", () => {
    const failed = run([
      { type: "start", total: 10 },
      phase("health"),
      {
        type: "event",
        now: 3_000,
        event: { type: "result", ok: false, code: "failed_precondition", message: "exited", logLines: ["panic"], previousStillRunning: true },
      },
      { type: "ended" },
      phase("running"),
    ]);
    expect(failed.status).toBe("failed");
    expect(failed.failure).toEqual({ message: "exited", code: "failed_precondition", logLines: ["panic"], previousStillRunning: true });
    expect(failed.phase).toBe("health");
  });

  it("turns a stream that ends without a result into a failure the person can follow up", () => {
    const s = run([{ type: "start", total: 10 }, phase("verifying"), { type: "ended" }]);
    expect(s.status).toBe("failed");
    expect(s.failure?.code).toBe("incomplete");
    expect(s.failure?.previousStillRunning).toBeNull();
  });

  it("shows HTTP errors from before the stream began", () => {
    const s = run([{ type: "start", total: 10 }, { type: "error", message: "package too large", code: "http_413" }]);
    expect(s.failure).toMatchObject({ message: "package too large", code: "http_413" });
  });

  it("resets to idle", () => {
    expect(run([{ type: "start", total: 10 }, { type: "reset" }])).toEqual(initialUploadState);
  });
});

describe("healthSecondsLeft", () => {
  it("counts down from when the health phase began, never below zero", () => {
    const s = run([{ type: "start", total: 1 }, { type: "progress", loaded: 1, total: 1 }, phase("health")]);
    expect(healthSecondsLeft(s, 10, 1_000)).toBe(10);
    expect(healthSecondsLeft(s, 10, 4_500)).toBe(7);
    expect(healthSecondsLeft(s, 10, 60_000)).toBe(0);
    expect(healthSecondsLeft(initialUploadState, 10, 0)).toBeNull();
  });
});
