import "server-only";
// Sends what the outbox holds: due notifications, a few at a time, each attempt recorded; a
// failed one waits a doubling delay (SYSWARD_ALERT_RETRY_BASE_MS up to SYSWARD_ALERT_RETRY_MAX_MS)
// and is given up on after SYSWARD_ALERT_MAX_ATTEMPTS. Woken when something is queued.
import type { Logger } from "pino";
import type { MachineState } from "../../shared/fleet-types";
import { alertRow } from "./alert-store";
import { noticeFor } from "./alert-notice";
import { channelForSending } from "./channels/channel-store";
import { DeliveryError } from "./channels/delivery-error";
import { sendNotice } from "./channels/send-notice";
import { dueNotifications, nextDueAt, recordAttempt, type DueNotification } from "./notifications";

const PARALLEL = 8;
/** Looked at this often even when nothing woke it (a retry that came due). */
const IDLE_MS = 1000;

export interface DispatcherOptions {
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  machine: (agentId: string) => MachineState | undefined;
  log: Logger;
  /** Told of every delivered notification (benchmarks measure from it). */
  onDelivered?: (n: DueNotification, at: number) => void;
}

export function retryDelay(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

export class NotificationDispatcher {
  readonly #o: DispatcherOptions;
  readonly #inFlight = new Set<number>();
  readonly #stop = new AbortController();
  #wake: (() => void) | undefined;
  #running: Promise<void> | undefined;

  constructor(o: DispatcherOptions) {
    this.#o = o;
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#wake?.();
    await this.#running;
  }

  wake(): void {
    this.#wake?.();
  }

  async #loop(): Promise<void> {
    const sends = new Set<Promise<void>>();
    while (!this.#stop.signal.aborted) {
      try {
        const free = PARALLEL - this.#inFlight.size;
        if (free > 0) {
          for (const n of dueNotifications(Date.now(), free + this.#inFlight.size)) {
            if (this.#inFlight.has(n.id) || this.#inFlight.size >= PARALLEL) continue;
            this.#inFlight.add(n.id);
            const p = this.#deliver(n).finally(() => {
              this.#inFlight.delete(n.id);
              sends.delete(p);
              this.#wake?.();
            });
            sends.add(p);
          }
        }
      } catch (err) {
        this.#o.log.error({ err }, "alert notifications could not be read");
      }
      const next = nextDueAtSafe();
      const wait = next === null ? IDLE_MS : Math.max(0, Math.min(IDLE_MS, next - Date.now()));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, wait);
        timer.unref();
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#wake = done;
      });
      this.#wake = undefined;
    }
    await Promise.allSettled([...sends]);
  }

  async #deliver(n: DueNotification): Promise<void> {
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const target = channelForSending(n.channel_id);
      const alert = alertRow(n.alert_id);
      if (!target || !alert) return; // deleted since it was queued: its row went with it
      statusCode = await sendNotice(target.config, noticeFor(alert, n.status, target.channel.name, this.#o.machine(alert.agent_id)), this.#stop.signal);
    } catch (err) {
      error = err instanceof DeliveryError ? err.message : `could not send: ${(err as Error).message}`;
      statusCode = err instanceof DeliveryError ? err.statusCode : null;
    }
    const at = Date.now();
    const ok = error === null;
    const attempts = n.attempts + 1;
    const retryAt = ok || attempts >= this.#o.maxAttempts ? null : at + retryDelay(attempts, this.#o.retryBaseMs, this.#o.retryMaxMs);
    try {
      recordAttempt(n.id, { at, ok, statusCode, error, durationMs: at - started }, retryAt);
    } catch (err) {
      // Deleted (its channel or alert) while it was being sent.
      if ((err as { code?: string }).code !== "SQLITE_CONSTRAINT_FOREIGNKEY") throw err;
    }
    if (ok) this.#o.onDelivered?.(n, at);
    else this.#o.log.warn({ notification: n.id, channel: n.channel_id, attempts, error, retryAt }, retryAt === null ? "alert notification given up on" : "alert notification failed; will retry");
  }
}

function nextDueAtSafe(): number | null {
  try {
    return nextDueAt();
  } catch {
    return null;
  }
}
