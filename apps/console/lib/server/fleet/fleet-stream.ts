import "server-only";
// GET /api/fleet/stream (any signed-in user): the fleet as Server-Sent Events, from the fleet
// monitor's memory — `snapshot` (every machine) first, then `machines` (whole machines whose
// status changed, ids removed) and `perf` (new samples) as they happen. One request per browser
// tab whatever the fleet's size, instead of a poll per machine.
//
// The stream is pulled: the next frame is built only when the client has taken the previous one
// (highWaterMark 0), from "what changed since the number I last sent". So a slow or stalled
// client holds one number and at most one frame, and gets the latest state when it reads again.
// Frames carry `id: <epoch>-<rev>`: an EventSource that reconnects sends it back as
// Last-Event-ID and gets only what it missed (or a snapshot, from another console process).
import { randomBytes } from "node:crypto";
import type { NextRequest } from "next/server";
import type { FleetStreamEvents } from "../../shared/fleet-types";
import { authorize } from "../auth/authorize";
import { getFleetMonitor } from "./fleet";

/** Status changes wait this long for more to come with them; perf alone waits PERF_MS. */
const STATUS_MS = 250;
const PERF_MS = 1000;
/** A comment this often keeps proxies from closing a quiet stream and shows a dead client. */
const HEARTBEAT_MS = 15_000;
/** Tells EventSource how soon to reconnect after a dropped stream. */
const RETRY_MS = 2000;

const EPOCH = randomBytes(4).toString("hex");

function frame<K extends keyof FleetStreamEvents>(event: K, data: FleetStreamEvents[K], id: string): string {
  return `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The rev a reconnecting client last saw, when it was this process's. */
function resumeFrom(req: NextRequest): number {
  const m = /^([0-9a-f]{8})-(\d+)$/.exec(req.headers.get("last-event-id") ?? "");
  return m && m[1] === EPOCH ? Number(m[2]) : 0;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

export function handleFleetStream(req: NextRequest): Response {
  const auth = authorize(req, "read");
  if (auth instanceof Response) return auth;
  const monitor = getFleetMonitor();
  const gone = new AbortController();
  req.signal.addEventListener("abort", () => gone.abort(), { once: true });
  const encoder = new TextEncoder();
  let rev = resumeFrom(req);
  let lastFlush = 0;
  let lastPerf = 0;
  let started = false;

  const nextFrame = async (): Promise<string | null> => {
    if (!started) {
      started = true;
      const c = monitor.changesSince(rev);
      if (c.kind === "snapshot") {
        rev = c.rev;
        lastFlush = lastPerf = Date.now();
        return `retry: ${RETRY_MS}\n${frame("snapshot", c.snapshot, `${EPOCH}-${rev}`)}`;
      }
    }
    for (;;) {
      const heartbeat = new AbortController();
      const timer = setTimeout(() => heartbeat.abort(), HEARTBEAT_MS);
      await monitor.waitForChange(rev, AbortSignal.any([gone.signal, heartbeat.signal]));
      clearTimeout(timer);
      if (gone.signal.aborted) return null;
      if (monitor.rev === rev) return ": keep-alive\n\n";
      await sleep(lastFlush + STATUS_MS - Date.now(), gone.signal);
      let c = monitor.changesSince(rev);
      if (c.kind === "delta" && c.machines.length === 0 && c.removed.length === 0) {
        if (Object.keys(c.perf).length === 0) {
          rev = c.rev;
          continue;
        }
        // Perf alone: no more than once a second, so a large fleet is one frame a second; a
        // status change meanwhile goes out at once (with the perf gathered so far).
        const wait = new AbortController();
        const either = AbortSignal.any([gone.signal, wait.signal]);
        await Promise.race([sleep(lastPerf + PERF_MS - Date.now(), either), monitor.waitForStatusChange(rev, either)]);
        wait.abort();
        c = monitor.changesSince(rev);
      }
      if (gone.signal.aborted) return null;
      rev = c.rev;
      const id = `${EPOCH}-${rev}`;
      lastFlush = Date.now();
      if (c.kind === "snapshot") return frame("snapshot", c.snapshot, id);
      let out = "";
      if (c.machines.length > 0 || c.removed.length > 0) out += frame("machines", { machines: c.machines, removed: c.removed }, id);
      if (Object.keys(c.perf).length > 0) {
        out += frame("perf", { perf: c.perf }, id);
        lastPerf = lastFlush;
      }
      return out;
    }
  };

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const text = await nextFrame();
        if (text === null) controller.close();
        else controller.enqueue(encoder.encode(text));
      },
      cancel() {
        gone.abort();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      // no-transform: Next's compression would otherwise hold frames back to fill its buffer.
      "cache-control": "no-cache, no-store, no-transform",
      "x-accel-buffering": "no",
    },
  });
}
