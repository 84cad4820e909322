// The cap on live streams per user, through the real /rpc route and a REAL agent: WatchPerf
// streams held open until the cap, the next refused with ResourceExhausted, another user
// unaffected, and a slot free again once a stream ends.
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../../../agent/src/runtime/testing/wait-for";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { setupConsoleTestEnv } from "../testing/console-test-env";
import { proxiedAgentClient } from "../testing/rpc-client";

const env = setupConsoleTestEnv({ SYSWARD_MAX_STREAMS_PER_USER: "2" });
let alice: string;
let bob: string;

beforeAll(async () => {
  await env.startAgent({ SYSWARD_PERF_INTERVAL_MS: "200" });
  alice = createSession((await createUser({ username: "alice", password: "alice password", role: "viewer" })).id, null).id;
  bob = createSession((await createUser({ username: "bob", password: "bob's password", role: "viewer" })).id, null).id;
});
afterAll(() => env.cleanup());

/** Opens a WatchPerf stream and reads its first sample; resolves with the abort. */
async function openWatch(session: string): Promise<() => void> {
  const ac = new AbortController();
  const it = proxiedAgentClient("local", session).watchPerf({}, { signal: ac.signal })[Symbol.asyncIterator]();
  await it.next();
  return () => ac.abort();
}

async function refusal(session: string): Promise<ConnectError | undefined> {
  try {
    const close = await openWatch(session);
    close();
    return undefined;
  } catch (err) {
    return ConnectError.from(err);
  }
}

describe("live streams through the proxy, per user", () => {
  it("holds SYSWARD_MAX_STREAMS_PER_USER at once, refuses the next, and frees the slot when one ends", async () => {
    const open = [await openWatch(alice), await openWatch(alice)];
    const err = await refusal(alice);
    expect(err?.code).toBe(Code.ResourceExhausted);
    expect(err?.rawMessage).toMatch(/alice has 2 live streams open .* close some/);
    // Someone else's quota is their own.
    expect(await refusal(bob)).toBeUndefined();
    // Unary calls are not streams.
    expect((await proxiedAgentClient("local", alice).agentInfo({})).hostname).not.toBe("");
    open.pop()!();
    await waitFor(async () => (await refusal(alice)) === undefined, "a slot to be free again", { timeoutMs: 10_000 });
    for (const close of open) close();
  });
});
