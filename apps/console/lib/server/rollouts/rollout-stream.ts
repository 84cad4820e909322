import "server-only";
// GET /api/rollouts/stream (any signed-in user): rollouts live, as Server-Sent Events —
// `rollouts` (the newest, summaries) or, with ?id=, `rollout` (that one with its hosts) first and
// again whenever the engine records a change. Pulled like the fleet stream: the next frame is
// built only when the client took the last one, from the DB's state at that moment, so a slow
// client holds one number and one frame, never a queue.
import type { NextRequest } from "next/server";
import { authorize } from "../auth/authorize";
import { jsonError } from "../http-errors";
import { abortableSleep } from "./abortable-sleep";
import { getRollout, listRollouts } from "./rollout-store";
import { getRolloutEngine } from "./rollouts";

/** Changes within this long go out as one frame. */
const COALESCE_MS = 250;
const HEARTBEAT_MS = 15_000;
const LIST_LIMIT = 50;

export function handleRolloutStream(req: NextRequest): Response {
  const auth = authorize(req, "read");
  if (auth instanceof Response) return auth;
  const idText = req.nextUrl.searchParams.get("id");
  const id = idText === null ? undefined : Number(idText);
  if (id !== undefined && (!Number.isSafeInteger(id) || id < 1)) return jsonError(400, "id must be a rollout id");
  if (id !== undefined && !getRollout(id)) return jsonError(404, `no rollout with id ${id}`);
  const engine = getRolloutEngine();
  const gone = new AbortController();
  req.signal.addEventListener("abort", () => gone.abort(), { once: true });
  const encoder = new TextEncoder();
  let rev = -1;

  const frame = (): string => {
    rev = engine.rev;
    const data = id === undefined ? { event: "rollouts", body: { rollouts: listRollouts(LIST_LIMIT) } } : { event: "rollout", body: { rollout: getRollout(id) } };
    return `event: ${data.event}\nid: ${rev}\ndata: ${JSON.stringify(data.body)}\n\n`;
  };

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (rev === -1) return controller.enqueue(encoder.encode(`retry: 2000\n${frame()}`));
        const heartbeat = AbortSignal.any([gone.signal, AbortSignal.timeout(HEARTBEAT_MS)]);
        await engine.waitForChange(rev, heartbeat);
        if (gone.signal.aborted) return controller.close();
        if (engine.rev === rev) return controller.enqueue(encoder.encode(": keep-alive\n\n"));
        await abortableSleep(COALESCE_MS, gone.signal);
        if (gone.signal.aborted) return controller.close();
        controller.enqueue(encoder.encode(frame()));
      },
      cancel() {
        gone.abort();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-store, no-transform", "x-accel-buffering": "no" },
  });
}
