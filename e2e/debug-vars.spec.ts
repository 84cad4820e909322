// The debug vars page shows the agent's own /debug/vars JSON, fetched through the console.
import { expect, test } from "./fixtures";

test("the debug vars page shows the agent's expvar JSON", async ({ debugVarsPage, adminApi, stack }) => {
  const res = await adminApi.get(`/agents/${stack.agentId}/debug/vars`);
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toContain("application/json");
  const vars = (await res.json()) as Record<string, unknown>;
  expect(Object.keys(vars)).toEqual(expect.arrayContaining(["cmdline", "memstats"]));

  await debugVarsPage.openFromAgentPage(stack.agentId);
  await expect(debugVarsPage.error).toHaveCount(0);
  for (const key of Object.keys(vars)) await expect(debugVarsPage.node(`$.${key}`)).toBeAttached();
  await debugVarsPage.expandAll();
  // The page shows this run's agent: its command line names the agent bundle.
  await expect(debugVarsPage.node("$.cmdline")).toContainText("agent.mjs");
});
