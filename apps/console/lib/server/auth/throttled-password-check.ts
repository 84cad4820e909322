import "server-only";
// One password check the way login does it: counted by the login throttle before the check (in
// the same transaction as the wait check, see login-throttle.ts) and under the global cap on
// concurrent checks (password-check-gate.ts). Login and changing one's password both use it, so
// neither is a faster way to guess.
import type { User } from "../../shared/types";
import { jsonError } from "../http-errors";
import { beginLoginAttempt } from "./login-throttle";
import { withPasswordCheckSlot } from "./password-check-gate";
import { checkPassword } from "./users";

/** `waitMs`: throttled, nothing was checked; else the user, or null for a wrong name or password. */
export type ThrottledCheck = { waitMs: number } | { user: User | null };

/** Throws PasswordChecksBusy when too many checks are running and waiting already. */
export function throttledPasswordCheck(username: string, password: string, address: string): Promise<ThrottledCheck> {
  return withPasswordCheckSlot(async (): Promise<ThrottledCheck> => {
    const waitMs = beginLoginAttempt(username, address);
    return waitMs > 0 ? { waitMs } : { user: await checkPassword(username, password) };
  });
}

/** 429 with Retry-After for a throttled check; `what` says what there were too many of. */
export function throttledResponse(waitMs: number, what: string): Response {
  const retryAfterSeconds = Math.ceil(waitMs / 1000);
  return jsonError(429, `too many ${what}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds }, { "retry-after": String(retryAfterSeconds) });
}
