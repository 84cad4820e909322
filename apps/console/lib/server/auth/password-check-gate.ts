import "server-only";
// A global cap on concurrent password checks. Each scrypt check holds 16 MiB and a libuv worker
// for tens of milliseconds; without a cap, a flood of logins for many usernames from many
// addresses (each under its own throttle) would queue unbounded work. A few checks run at once,
// a bounded number wait their turn, and past that a login is refused at once (503, Retry-After).

export const MAX_CONCURRENT_CHECKS = 4;
export const MAX_WAITING_CHECKS = 32;

let running = 0;
const waiting: Array<() => void> = [];

export class PasswordChecksBusy extends Error {
  constructor() {
    super("too many logins at once; try again in a moment");
  }
}

/** Runs `check` when a slot is free; throws PasswordChecksBusy when the queue is full. */
export async function withPasswordCheckSlot<T>(check: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_CHECKS) {
    if (waiting.length >= MAX_WAITING_CHECKS) throw new PasswordChecksBusy();
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  try {
    return await check();
  } finally {
    // Hand the slot straight to the next in line, so `running` never exceeds the cap.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** For tests and /debug: checks running now and waiting. */
export function passwordCheckLoad(): { running: number; waiting: number } {
  return { running, waiting: waiting.length };
}
