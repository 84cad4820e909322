// Deploying a package through the agent page: install, a failed upgrade that keeps the old version,
// a hostile ZIP, removal. The service is a real HTTP server on a port this test picks.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "./fixtures";
import { getService } from "./support/console-api";
import { answerOn, findByName, freePort, processAlive } from "./support/host-checks";
import { crashingServicePackage, helloServicePackage, pathEscapePackage } from "./support/package-zips";

test.describe("a service's life", () => {
  // One service through its life: each step starts from the state the previous one left.
  test.describe.configure({ mode: "serial" });

  const name = "hello";
  let port = 0;
  let versionId = "";

  test.beforeAll(async () => {
    port = await freePort();
  });

  test("an uploaded package runs, logs its startup line and answers on its port", async ({ agentPage, stack }) => {
    await agentPage.open(stack.agentId);
    await agentPage.installPackage({ fileName: "hello-1.zip", zip: helloServicePackage({ port, version: "v1" }), name, healthSeconds: 2 });

    await expect(agentPage.uploadProgress).toBeVisible();
    await expect(agentPage.uploadResult).toContainText(`${name} is running version`, { timeout: 30_000 });
    await expect(agentPage.uploadProgress).toHaveAttribute("data-percent", "100");
    const phases = await agentPage.phasesShown();
    test.info().annotations.push({ type: "phases shown", description: phases.join(" → ") });
    expect(phases, "the progress block walked through the install").toContain("health");
    expect(phases.at(-1)).toBe("running");

    await expect(agentPage.serviceState(name)).toHaveText("Running");
    versionId = (await agentPage.serviceVersion(name).textContent()) ?? "";
    expect(versionId).toMatch(/^\d+-[0-9a-f]{8}$/);

    await agentPage.showLogsOf(name);
    await expect(agentPage.logLines).toContainText(`hello v1 listening on 127.0.0.1:${port}`);

    await expect.poll(() => answerOn(port)).toBe("hello from v1\n");
  });

  test("a new version that exits at once fails with its log lines and the old one keeps running", async ({ agentPage, stack }) => {
    await agentPage.open(stack.agentId);
    await expect(agentPage.serviceState(name)).toHaveText("Running");
    const message = "v2 cannot start: missing config";
    await agentPage.installPackage({ fileName: "hello-2.zip", zip: crashingServicePackage({ message }), name, healthSeconds: 2 });

    await expect(agentPage.uploadError).toBeVisible({ timeout: 30_000 });
    await expect(agentPage.uploadErrorMessage).not.toBeEmpty();
    await expect(agentPage.uploadLogLines).toContainText(message);
    await expect(agentPage.uploadPreviousRunning).toBeVisible();

    await expect(agentPage.serviceState(name)).toHaveText("Running");
    await expect(agentPage.serviceVersion(name)).toHaveText(versionId);
    await expect.poll(() => answerOn(port)).toBe("hello from v1\n");
  });

  test("removing the service takes it off the list and ends its process", async ({ agentPage, adminApi, stack }) => {
    const before = await getService(adminApi, stack.agentId, name);
    const pids = before?.pids ?? [];
    expect(pids.length, "the running service has a pid").toBeGreaterThan(0);
    expect(pids.every(processAlive)).toBe(true);

    await agentPage.open(stack.agentId);
    await agentPage.removeService(name);
    await expect(agentPage.serviceRow(name)).toHaveCount(0);

    await expect.poll(() => pids.filter(processAlive)).toEqual([]);
    await expect.poll(() => answerOn(port)).toBeNull();
    expect(await getService(adminApi, stack.agentId, name)).toBeNull();
  });
});

test("a ZIP whose entry escapes with ../evil is refused with a readable message and leaves nothing behind", async ({ agentPage, adminApi, stack }) => {
  const name = "hostile";
  await agentPage.open(stack.agentId);
  await agentPage.installPackage({ fileName: "hostile.zip", zip: pathEscapePackage(), name, healthSeconds: 2 });

  await expect(agentPage.uploadError).toBeVisible({ timeout: 30_000 });
  await expect(agentPage.uploadErrorMessage).toContainText("../evil");
  await expect(agentPage.uploadErrorMessage).toContainText(/escape|\.\./);

  // Nothing new: no service, no package dir, no "evil" anywhere under the run's temp dir (the
  // agent's data dir and its parent), no staging litter.
  expect(await getService(adminApi, stack.agentId, name)).toBeNull();
  await expect(agentPage.serviceRow(name)).toHaveCount(0);
  expect(findByName(stack.root, "evil")).toEqual([]);
  expect(existsSync(join(stack.agentDataDir, "packages", name))).toBe(false);
  // Polled: another spec's install may be staging its own upload right now.
  const staging = join(stack.agentDataDir, "staging");
  await expect.poll(() => (existsSync(staging) ? readdirSync(staging) : [])).toEqual([]);
});
