// Nothing behind the console answers without a session: requests as a script without cookies
// would send them (with a same-origin Origin, so only the missing session is wrong).
import { buildZip } from "../apps/agent/src/install/testing/zip-builder";
import { expect, test } from "./fixtures";
import { callAgent, getService } from "./support/console-api";

test("RPC calls without a session get 401", async ({ anonymousApi, stack }) => {
  for (const [method, body] of [["ListServices", {}], ["AgentInfo", {}], ["Remove", { name: "anything" }]] as const) {
    const res = await callAgent(anonymousApi, stack.agentId, method, body);
    expect(res.status(), `${method}: ${await res.text()}`).toBe(401);
  }
});

test("the agent's debug vars without a session get 401", async ({ anonymousApi, stack }) => {
  const res = await anonymousApi.get(`/agents/${stack.agentId}/debug/vars`);
  expect(res.status()).toBe(401);
  expect(await res.text()).not.toContain("cmdline");
});

test("an upload without a session gets 401 and installs nothing", async ({ anonymousApi, adminApi, stack }) => {
  const zip = buildZip([{ name: "sneaky", data: "#!/bin/sh\nsleep 60\n", mode: 0o100755 }]);
  const res = await anonymousApi.post(`/api/agents/${stack.agentId}/upload`, {
    multipart: { name: "sneaky", package: { name: "sneaky.zip", mimeType: "application/zip", buffer: zip } },
  });
  expect(res.status()).toBe(401);
  expect(await getService(adminApi, stack.agentId, "sneaky")).toBeNull();
});
