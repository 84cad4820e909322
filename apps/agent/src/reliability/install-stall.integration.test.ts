// An upload that stalls mid-stream times out (SYSWARD_INSTALL_IDLE_SECONDS) on the REAL agent:
// the call fails with DeadlineExceeded, the staging file is gone, the name is free again, and
// the version that ran before is still the one running.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ServiceState, type InstallRequestSchema } from "@sysward/proto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installVia } from "../install/testing/install-via";
import { shellBodies, shellServiceZip } from "../install/testing/package-fixtures";
import { runningVersions } from "../install/testing/package-processes";
import { waitFor } from "../runtime/testing/wait-for";
import { startTestAgent, type TestAgent } from "../rpc/testing/start-test-agent";

const NAME = "stall";
let agent: TestAgent;
let oldId: string;

beforeAll(async () => {
  agent = await startTestAgent({ env: { SYSWARD_INSTALL_IDLE_SECONDS: "1" } });
  oldId = (await installVia(agent.client(), { name: NAME, healthSeconds: 0 }, shellServiceZip(NAME, shellBodies.steady("old")))).service!.version!.id;
});

afterAll(async () => {
  await agent?.stop();
  agent?.cleanup();
});

/** An Install stream that sends `messages` and then nothing, until `release` aborts it. */
function stalledInstall(messages: Array<MessageInitShape<typeof InstallRequestSchema>>) {
  const release = new AbortController();
  async function* requests() {
    for (const m of messages) yield m;
    await new Promise((resolve) => release.signal.addEventListener("abort", resolve));
  }
  const call = agent.client().install(requests(), { signal: release.signal }).then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
  return { call, release: () => release.abort() };
}

describe("an Install stream that stalls", () => {
  it("mid-upload fails with DeadlineExceeded while the client still holds it open, and frees the name", async () => {
    const zip = shellServiceZip(NAME, shellBodies.steady("new"));
    const stalled = stalledInstall([
      { msg: { case: "header", value: { name: NAME, healthSeconds: 0 } } },
      { msg: { case: "chunk", value: zip.subarray(0, 100) } },
    ]);
    try {
      await waitFor(() => readdirSync(join(agent.dataDir, "staging")).length === 1, "the staging file of the stalled upload");
      // While it stalls, the name is taken.
      const busy = await installVia(agent.client(), { name: NAME, healthSeconds: 0 }, zip).catch((e: unknown) => ConnectError.from(e));
      expect(busy).toBeInstanceOf(ConnectError);
      expect((busy as ConnectError).code).toBe(Code.Aborted);

      const err = await stalled.call;
      expect(err?.code).toBe(Code.DeadlineExceeded);
      expect(err?.rawMessage).toMatch(/upload stalled.*SYSWARD_INSTALL_IDLE_SECONDS/);
      expect(readdirSync(join(agent.dataDir, "staging"))).toEqual([]);
      const svc = (await agent.client().getService({ name: NAME })).service!;
      expect(svc.version?.id).toBe(oldId);
      expect(svc.state).toBe(ServiceState.RUNNING);
      expect(runningVersions(join(agent.dataDir, "packages"), NAME)).toEqual([oldId]);
    } finally {
      stalled.release();
    }
    // The name is free: the same upload, sent briskly, goes through.
    const again = await installVia(agent.client(), { name: NAME, healthSeconds: 0 }, zip);
    expect(again.service?.state).toBe(ServiceState.RUNNING);
    expect(again.previousVersion).toBe(oldId);
    oldId = again.service!.version!.id;
  });

  it("before the header fails the same way and takes no lock", async () => {
    const stalled = stalledInstall([]);
    try {
      const err = await stalled.call;
      expect(err?.code).toBe(Code.DeadlineExceeded);
    } finally {
      stalled.release();
    }
    expect((await agent.client().getService({ name: NAME })).service?.version?.id).toBe(oldId);
  });
});
