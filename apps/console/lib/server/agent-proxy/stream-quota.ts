import "server-only";
// Live streams (Logs with follow, WatchPerf, WatchServices) hold an HTTP/2 stream to an agent and
// a little memory on both sides for as long as they run. A user opening them without end (a
// script, a hundred tabs) must not exhaust either: at most SYSWARD_MAX_STREAMS_PER_USER at a
// time per user (tokens count as their user); the next is refused with ResourceExhausted.
import { getConfig } from "../config";

const KEY = Symbol.for("sysward.console.streamQuota");
type Holder = { [KEY]?: Map<number, number> };

function openByUser(): Map<number, number> {
  const holder = globalThis as Holder;
  return (holder[KEY] ??= new Map());
}

/** Takes one of `userId`'s stream slots: the release function (idempotent), or null when none is free. */
export function takeStreamSlot(userId: number): (() => void) | null {
  const open = openByUser();
  const n = open.get(userId) ?? 0;
  if (n >= getConfig().maxStreamsPerUser) return null;
  open.set(userId, n + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (open.get(userId) ?? 1) - 1;
    if (left <= 0) open.delete(userId);
    else open.set(userId, left);
  };
}
