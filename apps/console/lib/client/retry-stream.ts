// Runs a streaming call until the signal aborts: when the stream ends or fails, report it and
// start again after `retryMs`. The live chart and fleet cards reconnect on their own after an
// agent restart instead of freezing.
import { isAbort } from "./errors";

export async function runStreamWithRetry(
  signal: AbortSignal,
  run: (signal: AbortSignal) => Promise<void>,
  onError: (err: unknown) => void,
  retryMs = 3_000,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await run(signal);
      if (signal.aborted) return;
      onError(new Error("the agent closed the stream"));
    } catch (err) {
      if (signal.aborted || isAbort(err)) return;
      onError(err);
    }
    await sleep(retryMs, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
