// The health window: the new version must stay up for `seconds` (polled through the runtime,
// not a fixed sleep as in the seed), and when the manifest gives a probe, the probe must pass
// at the end of the window. A service that binds its port late gets `probeGraceMs` more to
// pass. `seconds: 0` means "check it was started" (plus the probe, if any).
import { setTimeout as sleep } from "node:timers/promises";
import type { Runtime, ServiceStatus } from "../runtime/runtime";
import { describeProbe, probeOnce } from "./health-probe";
import type { HealthProbe } from "./manifest";

export interface HealthWatchOptions {
  runtime: Runtime;
  name: string;
  seconds: number;
  probe?: HealthProbe;
  pollMs?: number;
  probeEveryMs?: number;
  probeGraceMs?: number;
  signal?: AbortSignal;
  /** Progress for watchers: milliseconds left in the window. */
  onTick?: (leftMs: number) => void;
}

export type HealthResult = { ok: true } | { ok: false; reason: string };

export async function watchHealth(o: HealthWatchOptions): Promise<HealthResult> {
  const pollMs = o.pollMs ?? 200;
  const probeEveryMs = o.probeEveryMs ?? 500;
  const windowMs = o.seconds * 1000;
  const graceMs = o.probeGraceMs ?? 10_000;
  const started = Date.now();
  const first = await o.runtime.inspect(o.name);
  const baseRestarts = first?.restarts ?? 0;
  let lastProbeAt = 0;
  let probeOk = false;
  let probeError = "not tried yet";

  while (true) {
    if (o.signal?.aborted) return { ok: false, reason: "the agent is shutting down" };
    const status = await o.runtime.inspect(o.name);
    const bad = judge(status, baseRestarts);
    if (bad) return { ok: false, reason: bad };
    const elapsed = Date.now() - started;

    if (o.probe && Date.now() - lastProbeAt >= probeEveryMs) {
      lastProbeAt = Date.now();
      const r = await probeOnce(o.probe);
      probeOk = r.ok;
      if (!r.ok) probeError = r.error;
    }
    o.onTick?.(Math.max(0, windowMs - elapsed));

    if (elapsed >= windowMs) {
      const up = status!.state === "running" || (o.seconds === 0 && status!.state === "starting");
      if (up && (!o.probe || probeOk)) return { ok: true };
      if (elapsed >= windowMs + graceMs) {
        return {
          ok: false,
          reason: o.probe
            ? `health probe ${describeProbe(o.probe)} did not pass (${probeError})`
            : `still ${status!.state} after the health window`,
        };
      }
    }
    await sleep(pollMs, undefined, { signal: o.signal }).catch(() => {});
  }
}

/** Why this status fails the window, or undefined if the service is still up. */
function judge(status: ServiceStatus | undefined, baseRestarts: number): string | undefined {
  if (!status) return "the runtime no longer knows the service";
  const exit = status.lastExit ? describeExit(status.lastExit) : "";
  if (status.state === "stopped" || status.state === "failed") return `it exited${exit}`;
  if (status.state === "backoff" || status.restarts > baseRestarts) return `it crashed and was restarted${exit}`;
  return undefined;
}

function describeExit(e: { code: number | null; signal: string | null }): string {
  if (e.signal) return ` (killed by ${e.signal})`;
  if (e.code !== null) return ` (exit code ${e.code})`;
  return "";
}
