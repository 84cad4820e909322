import "server-only";
// Work that outlives the request that started it (the fleet monitor's watch of a machine, an
// agent's HTTP/2 connection) runs in the async context the server had when it booted, not in the
// request's. Every async resource (a socket, an HTTP/2 session or stream, a timer, a pending
// promise) keeps the AsyncLocalStorage stores of the context it was created in, and Next's stores
// hold the whole request: its IncomingMessage, ServerResponse, render options and the response's
// gzip stream. A machine registered through POST /api/agents kept its registration request alive
// that way for as long as it was watched: ~47 KB of heap a machine in heap snapshots at 1,000
// machines (bench/FINDINGS.md, "Console memory at 1,000 machines").
//
// The boot context is captured once per process (on globalThis: Next evaluates server modules once
// per bundle) by the first call, which bootstrap.ts makes at start, outside any request.
import { AsyncLocalStorage } from "node:async_hooks";

type Runner = <R>(fn: () => R) => R;
const KEY = Symbol.for("sysward.console.backgroundContext");
type Holder = { [KEY]?: Runner };

/** Runs `fn` in the server's boot context (the caller's stores are not seen by what it starts). */
export function inBackground<R>(fn: () => R): R {
  const holder = globalThis as Holder;
  const run = (holder[KEY] ??= AsyncLocalStorage.snapshot() as Runner);
  return run(fn);
}
