// The start limit both runtimes share, so a crash loop ends the same way under either: systemd's
// StartLimitBurst= within StartLimitIntervalSec= (rendered into every unit by systemd/unit-file.ts),
// and the supervisor's CrashWindow below. When it trips the service is `failed` and stays so until
// an explicit start (Start, Restart, a new install).

export interface StartLimit {
  /** Crashes tolerated within `intervalMs`: the burst-th one ends the restarts. 0 = no limit. */
  burst: number;
  /** 0 = no limit (systemd's StartLimitIntervalSec=0). */
  intervalMs: number;
}

/** What every unit says unless configured otherwise (systemd's own default is 5 per 10 s). */
export const DEFAULT_START_LIMIT: StartLimit = { burst: 5, intervalMs: 60_000 };

/**
 * One service's recent crash times, pure (the caller passes the clock). systemd counts starts in
 * a window that opens at the first one; counting crashes in a sliding window gives the same
 * verdict for a loop (burst starts that all crashed) and never lets more than `burst` crashes
 * through in any `intervalMs`. A service that runs longer than `intervalMs` between crashes
 * never trips it.
 */
export class CrashWindow {
  private times: number[];

  constructor(
    private readonly limit: StartLimit,
    /** Crash times (ms since the epoch) carried over from before an agent restart. */
    earlier: readonly number[] = [],
  ) {
    this.times = this.recent(earlier, Date.now());
  }

  /** Records a crash at `at`; true when it is the burst-th within the interval: stop restarting. */
  record(at: number): boolean {
    if (!limited(this.limit)) return false;
    this.times = this.recent([...this.times, at], at);
    return this.times.length >= this.limit.burst;
  }

  reset(): void {
    this.times = [];
  }

  /** The crash times that still count, oldest first (for the supervisor's pid file). */
  snapshot(): number[] {
    return [...this.times];
  }

  private recent(times: readonly number[], now: number): number[] {
    if (!limited(this.limit)) return [];
    return times.filter((t) => Number.isFinite(t) && now - t < this.limit.intervalMs && t <= now).slice(-this.limit.burst);
  }
}

function limited(limit: StartLimit): boolean {
  return limit.burst > 0 && limit.intervalMs > 0;
}

/**
 * The `reason` of a service the start limit gave up on, for a person: what happened and what to
 * do. `last` says how the last run ended ("exit code 1", "killed by SIGSEGV", ...).
 */
export function crashLoopReason(limit: StartLimit, last?: string): string {
  const times = limit.burst === 1 ? "once" : `${limit.burst} times`;
  return `crashed ${times} within ${formatSeconds(limit.intervalMs)}${last ? `; last ${last}` : ""} — gave up restarting it; fix the cause, then start it again (Start, Restart or a new install)`;
}

/** "exit code 1", "killed by SIGSEGV", or undefined when nobody saw how it ended. */
export function describeExit(exit: { code: number | null; signal: string | null } | undefined): string | undefined {
  if (exit?.signal) return `killed by ${exit.signal}`;
  if (exit?.code !== null && exit?.code !== undefined) return `exit code ${exit.code}`;
  return undefined;
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
