// Exponential restart backoff, pure: no timers here, the process handle owns those.

export interface BackoffPolicy {
  /** Delay before the first restart after a crash. */
  initialMs: number;
  /** Upper bound of the delay. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000 };

/** Delay before restart number `attempt` (0-based) of a crash streak: initial, 2x, 4x... capped. */
export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  const delay = policy.initialMs * 2 ** Math.min(attempt, 52);
  return Math.min(policy.maxMs, delay);
}

/**
 * Tracks one service's crash streak. A process that stayed up for `stableAfterMs` ends the
 * streak, so a service that crashes once a day restarts quickly every time.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly stableAfterMs: number,
  ) {}

  /** The delay to wait after a process that ran for `uptimeMs` exited. */
  next(uptimeMs: number): number {
    if (uptimeMs >= this.stableAfterMs) this.attempt = 0;
    return backoffDelay(this.policy, this.attempt++);
  }

  reset(): void {
    this.attempt = 0;
  }
}
