// The agent page's perf charts: live samples arrive while watching; history ranges draw from the
// agent's stored history. The agent samples every 500 ms in this rig.
import { existsSync, readFileSync } from "node:fs";
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

const SPAN_MS = { "7d": 7 * 86_400_000, "24h": 86_400_000, "5m": 5 * 60_000 } as const;

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

for (const range of ["5m", "24h"] as const) {
  test(`the ${range} range draws the host's disk space, disk I/O, network and pressure`, async ({ page, agentPage, adminApi, stack }) => {
    // The agent runs on this machine: what its /proc has decides which charts must have lines.
    const hasPressure = existsSync("/proc/pressure/io");
    const hasDisks = readFileSync("/proc/diskstats", "utf8").trim() !== "";
    if (range !== "5m") await expect.poll(() => historyPointCount(adminApi, stack.agentId, SPAN_MS[range])).toBeGreaterThan(0);
    const errors = collectPageErrors(page);
    await agentPage.open(stack.agentId);
    await expect(agentPage.perfStatus).toHaveAttribute("data-status", "ok");
    if (range !== "5m") await agentPage.selectRange(range);
    const chart = (id: string) => page.getByTestId(`${id}-chart`);
    const values = async (id: string) => Number((await chart(id).getAttribute("data-values")) ?? "0");
    await expect(chart("disk-space")).toHaveAttribute("data-range", range);
    await expect.poll(() => values("disk-space"), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect(page.getByTestId("disk-space-legend-/")).toContainText("%");
    await expect.poll(() => values("network"), { timeout: 15_000 }).toBeGreaterThan(0);
    if (hasDisks) await expect.poll(() => values("disk-io"), { timeout: 15_000 }).toBeGreaterThan(0);
    if (hasPressure) await expect.poll(() => values("pressure"), { timeout: 15_000 }).toBeGreaterThan(0);
    else await expect(chart("pressure")).toContainText("no pressure stall information");
    for (const id of ["disk-space", "network", ...(hasDisks ? ["disk-io"] : []), ...(hasPressure ? ["pressure"] : [])]) {
      await expect(chart(id).locator("svg.recharts-surface"), `${id}'s chart`).toBeVisible();
      // A young agent's 24 h history may be one point: a dot, not yet a line.
      if (range === "5m") await expect(chart(id).locator("path.recharts-curve").first(), `${id}'s line`).toHaveAttribute("d", /^M/);
    }
    expect(errors).toEqual([]);
  });
}
