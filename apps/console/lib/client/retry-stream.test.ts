import { describe, expect, it } from "vitest";
import { runStreamWithRetry } from "./retry-stream";

describe("runStreamWithRetry", () => {
  it("reports each failure and runs again until aborted", async () => {
    const controller = new AbortController();
    const errors: string[] = [];
    let runs = 0;
    await runStreamWithRetry(
      controller.signal,
      async () => {
        runs++;
        if (runs === 1) throw new Error("agent down");
        if (runs === 2) return; // the stream ended by itself
        controller.abort();
      },
      (err) => errors.push((err as Error).message),
      1,
    );
    expect(runs).toBe(3);
    expect(errors).toEqual(["agent down", "the agent closed the stream"]);
  });

  it("treats an abort as the end, not an error", async () => {
    const controller = new AbortController();
    const errors: unknown[] = [];
    await runStreamWithRetry(
      controller.signal,
      async () => {
        controller.abort();
        throw Object.assign(new Error("aborted"), { name: "AbortError" });
      },
      (err) => errors.push(err),
      1,
    );
    expect(errors).toEqual([]);
  });
});
