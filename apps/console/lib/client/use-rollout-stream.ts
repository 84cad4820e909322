"use client";
// Rollouts in the browser, live: GET /api/rollouts/stream (Server-Sent Events) sends the whole
// answer again on every change, so the latest frame is the state. One EventSource per page.
import { useEffect, useState } from "react";

/** After the server refuses the stream (a session that ended), try again this much later. */
const REOPEN_MS = 5000;

export function useRolloutStream<T>(url: string, event: "rollouts" | "rollout"): { data: T | null; live: boolean } {
  const [data, setData] = useState<T | null>(null);
  const [live, setLive] = useState(false);
  useEffect(() => {
    let source: EventSource | undefined;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      source = new EventSource(url);
      source.addEventListener("open", () => setLive(true));
      source.addEventListener("error", () => {
        setLive(false);
        // EventSource retries by itself after a dropped stream, but not after an error status.
        if (source?.readyState === EventSource.CLOSED) reopen = setTimeout(open, REOPEN_MS);
      });
      source.addEventListener(event, (e) => setData(JSON.parse((e as MessageEvent<string>).data) as T));
    };
    open();
    return () => {
      clearTimeout(reopen);
      source?.close();
    };
  }, [url, event]);
  return { data, live };
}
