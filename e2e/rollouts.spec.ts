// Rollouts in the browser with three REAL agents (each its own data dir): started from the
// Rollouts page with a ZIP and a selector, a healthy version reaches every machine wave by wave,
// live on the detail page; a version that fails its health window on one machine stops the
// rollout there, the page showing that machine's error with the agent's log lines, and the
// machine of the later wave untouched.
import type { Page } from "@playwright/test";
import { shellBodies, shellServiceZip } from "../apps/agent/src/install/testing/package-fixtures";
import { expect, test } from "./fixtures";
import { AgentProcess } from "./support/agent-process";
import { registerAgent } from "./support/console-api";

const suffix = Date.now().toString(36);
const TAG = `ro${suffix}`;
const HOSTS = ["a", "b", "c"] as const;
const idOf = (k: string) => `ro-${k}-${suffix}`;
const SERVICE = `ro${suffix}`;

/** A steady service; with `breaksOnB`, on machine b (its data dir is under a "ro-b-breaks" dir) it exits at once. */
function zip(tag: string, breaksOnB = false): Buffer {
  const body = breaksOnB ? `case "$PWD" in *ro-b-breaks*) ${shellBodies.broken(tag)};; esac\n${shellBodies.steady(tag)}` : shellBodies.steady(tag);
  return shellServiceZip(SERVICE, body);
}

async function startRollout(page: Page, tag: string, breaksOnB: boolean): Promise<void> {
  await page.goto(`/services?name=${SERVICE}&selector=tag%3D${TAG}`);
  await page.getByTestId("fleet-services-rollout").click();
  await expect(page).toHaveURL(/\/rollouts\?/);
  await expect(page.getByTestId("rollout-name")).toHaveValue(SERVICE);
  await expect(page.getByTestId("rollout-selector")).toHaveValue(`tag=${TAG}`);
  await page.getByTestId("rollout-canary").fill("1");
  await page.getByTestId("rollout-batch").fill("1");
  await page.getByTestId("rollout-health").fill("1");
  await page.getByTestId("rollout-file").setInputFiles({ name: `${tag}.zip`, mimeType: "application/zip", buffer: zip(tag, breaksOnB) });
  await page.getByTestId("start-rollout-submit").click();
  await expect(page).toHaveURL(/\/rollouts\/\d+$/);
}

test.describe("rollouts", () => {
  test.describe.configure({ mode: "serial" });
  const agents: AgentProcess[] = [];

  test.beforeAll(async ({ adminApi }) => {
    for (const k of HOSTS) {
      const { root, dataDir } = AgentProcess.makeRoot(`sysward-e2e-ro-${k}-${k === "b" ? "breaks-" : ""}`);
      const agent = new AgentProcess(root, dataDir);
      agents.push(agent);
      await agent.start();
      await registerAgent(adminApi, idOf(k), agent, { tag: TAG });
    }
  });

  test.afterAll(async ({ adminApi }) => {
    for (const k of HOSTS) await adminApi.delete(`/api/agents/${idOf(k)}`);
    for (const a of agents) await a.dispose();
  });

  test("a healthy version reaches every machine, wave after wave, live on the page", async ({ page }) => {
    await startRollout(page, "v1", false);
    await expect(page.getByTestId("rollout-state")).toHaveText("succeeded", { timeout: 30_000 });
    for (const k of HOSTS) await expect(page.getByTestId(`rollout-host-${idOf(k)}`)).toHaveAttribute("data-state", "healthy");
    await expect(page.getByTestId("rollout-wave-3")).toBeVisible();
    await page.getByTestId("nav-rollouts").click();
    await expect(page.getByTestId("rollout-table").locator("tr[data-state=succeeded]").first()).toBeVisible();
  });

  test("a version failing its health window on one machine stops there, with that machine's log lines", async ({ page }) => {
    await startRollout(page, "v2", true);
    await expect(page.getByTestId("rollout-state")).toHaveText("stopped", { timeout: 30_000 });
    await expect(page.getByTestId(`rollout-host-${idOf("a")}`)).toHaveAttribute("data-state", "healthy");
    await expect(page.getByTestId(`rollout-host-${idOf("b")}`)).toHaveAttribute("data-state", "failed");
    await expect(page.getByTestId(`rollout-host-${idOf("b")}-log`)).toContainText("v2 failing line 1");
    await expect(page.getByTestId(`rollout-host-${idOf("c")}`)).toHaveAttribute("data-state", "pending");
    await expect(page.getByTestId("rollout-reason")).toContainText(`${idOf("b")} failed`);
  });
});
