// The agent page's perf charts: live samples arrive while watching; history ranges draw from the
// agent's stored history. The agent samples every 500 ms in this rig.
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { historyPointCount } from "./support/console-api";

/** Uncaught exceptions in the page: a chart that throws while drawing shows up here. */
function collectPageErrors(page: Page): Error[] {
  const errors: Error[] = [];
  page.on("pageerror", (e) => errors.push(e));
  return errors;
}

test("the live CPU chart gains points while watching", async ({ page, agentPage, stack }) => {
  const errors = collectPageErrors(page);
  await agentPage.open(stack.agentId);
  await expect(agentPage.perfStatus).toHaveAttribute("data-status", "ok");
  await expect(agentPage.cpuChart).toHaveAttribute("data-range", "5m");

  const firstCount = await agentPage.cpuPointCount();
  const firstCurve = await agentPage.cpuCurve();
  // ~3 s of watching at one sample per 500 ms: at least 3 new points, and the drawn line moves.
  await expect.poll(() => agentPage.cpuPointCount(), { timeout: 10_000 }).toBeGreaterThanOrEqual(firstCount + 3);
  await expect.poll(() => agentPage.cpuCurve()).not.toBe(firstCurve);
  expect(await agentPage.cpuCurve()).toMatch(/^M/);
  await expect(agentPage.memChart.locator("path.recharts-area-curve").first()).toHaveAttribute("d", /^M/);
  expect(errors).toEqual([]);
});

test("the live chart opens with the last minutes of history already drawn", async ({ page, agentPage, adminApi, stack }) => {
  // A person opening the page after the agent has run a while sees its recent past at once, not
  // a chart that starts empty: the page asks PerfHistory before it starts watching.
  await expect.poll(() => historyPointCount(adminApi, stack.agentId, 5 * 60_000), { timeout: 30_000 }).toBeGreaterThanOrEqual(10);
  const errors = collectPageErrors(page);
  await agentPage.open(stack.agentId);
  await expect(agentPage.perfStatus).toHaveAttribute("data-status", "ok");
  expect(await agentPage.cpuPointCount(), "points on the first render: history plus the first live sample").toBeGreaterThanOrEqual(10);
  expect(errors).toEqual([]);
});

const SPAN_MS = { "7d": 7 * 86_400_000, "24h": 86_400_000 } as const;

for (const range of ["7d", "24h"] as const) {
  test(`the ${range} range draws the CPU and memory charts from history`, async ({ page, agentPage, adminApi, stack }) => {
    // The page asks for history once per minute or five, so first make sure the agent has some.
    await expect.poll(() => historyPointCount(adminApi, stack.agentId, SPAN_MS[range])).toBeGreaterThan(0);

    const errors = collectPageErrors(page);
    await agentPage.open(stack.agentId);
    await expect(agentPage.perfStatus).toHaveAttribute("data-status", "ok");
    await agentPage.selectRange(range);

    await expect(agentPage.cpuChart).toHaveAttribute("data-range", range);
    await expect(agentPage.perfStatus).toHaveAttribute("data-status", "ok");
    await expect(agentPage.perfError).toHaveCount(0);
    await expect.poll(() => agentPage.cpuPointCount()).toBeGreaterThan(0);
    await expect(agentPage.cpuChart.locator("svg.recharts-surface")).toBeVisible();
    await expect(agentPage.memChart.locator("svg.recharts-surface")).toBeVisible();
    expect(errors).toEqual([]);
  });
}
