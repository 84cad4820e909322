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

test("an unknown agent id is a 404 page that says so, for the agent page and its debug vars", async ({ page }) => {
  for (const path of ["/agents/no-such-agent", "/agents/no-such-agent/vars"]) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(404);
    await expect(page.getByTestId("agent-not-found")).toBeVisible();
    await expect(page.getByTestId("current-user")).toBeVisible(); // still inside the console's frame
  }
});
