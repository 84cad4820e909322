import "server-only";
// connect-node's Http2SessionManager, with one guard. When a keep-alive PING times out it
// destroys the session with an error that Node emits a moment later; a request arriving in
// between sees the session destroyed and moves on to a new one, removing the manager's error
// listener first — and the late 'error' then has no listener and crashes the process
// (uncaughtException). The streams on that session still fail with the error; this listener
// only keeps it from taking the console down. And connections open outside the caller's request.
import type http2 from "node:http2";
import { Http2SessionManager } from "@connectrpc/connect-node";
import { inBackground } from "../background-context";

const guarded = new WeakSet<http2.Http2Session>();
const ignore = () => {};

export class GuardedSessionManager extends Http2SessionManager {
  override async request(...args: Parameters<Http2SessionManager["request"]>): Promise<http2.ClientHttp2Stream> {
    // The connection outlives the request that opened it (often a registration's up-check):
    // opened in the server's boot context, it does not keep that request alive (background-context.ts).
    const stream = await inBackground(() => super.request(...args));
    const session = stream.session;
    if (session && !guarded.has(session)) {
      guarded.add(session);
      session.on("error", ignore);
    }
    return stream;
  }
}
