// The journeys of deploy.spec.ts on a real systemd host: a lab machine (Debian, systemd as PID 1)
// whose agent was installed from the shipped user unit, enrolled through Add machine with the
// command the page shows, reached by the console over mutual TLS. Installs become user units, logs
// come from journald, a failing upgrade rolls back with its log lines; a reboot shows the machine
// down, then up with its service; removal ends the unit.
import type { Page } from "@playwright/test";
import { installUserAgent, type LabAgent } from "../lab/src/agent";
import { labSkipReason } from "../lab/src/availability";
import { forwardToLoopback, type Forward } from "../lab/src/forward";
import { LabMachine } from "../lab/src/machine";
import { expect, test } from "./fixtures";
import { crashingServicePackage, helloServicePackage } from "./support/package-zips";

const skip = labSkipReason();

test.describe(`a systemd machine of the lab, driven through the console${skip ? ` — skipped: ${skip}` : ""}`, () => {
  test.skip(!!skip, skip);
  test.describe.configure({ mode: "serial", timeout: 120_000 });

  const suffix = Date.now().toString(36);
  const name = `Lab ${suffix}`;
  const agentId = `lab-${suffix}`;
  const service = "hello";
  const port = 18080;
  let machine: LabMachine;
  let agent: LabAgent;
  let forward: Forward;
  let versionId = "";

  /** What the service answers inside the machine (its port is on the machine's loopback). */
  const answer = async () =>
    (await machine.exec(["node", "-e", `fetch("http://127.0.0.1:${port}").then((r) => r.text()).then((t) => process.stdout.write(t), () => process.exit(1))`])).stdout || null;
  const unitActive = async () => (await machine.exec(["systemctl", "--user", "is-active", `sysward-${service}.service`], { user: true })).stdout.trim();

  test.beforeAll(async ({ stack }) => {
    machine = await LabMachine.boot({ hostname: `lab-${suffix}` });
    agent = await installUserAgent(machine, { SYSWARD_HEALTH_SECONDS: "2", SYSWARD_PERF_INTERVAL_MS: "500" });
    forward = await forwardToLoopback(stack.port);
  });

  test.afterAll(async () => {
    await forward?.close();
    await machine?.destroy();
  });

  async function addMachine(page: Page, consoleUrl: string): Promise<string> {
    await page.getByTestId("add-machine").click();
    await page.getByTestId("add-machine-name").fill(name);
    await page.getByTestId("add-machine-listen").fill(`${machine.address}:7443`);
    await page.getByTestId("add-machine-console-url").fill(consoleUrl);
    await page.getByTestId("add-machine-submit").click();
    await expect(page.getByTestId("enrollment-command")).toBeVisible();
    // The page leads with the one command for a bare host (lab/tests/one-command-install.test.ts runs
    // it); this machine's agent is installed from the checkout already, so it takes the enroll beside it.
    const enroll = page.getByTestId("enrollment-enroll-command");
    if ((await enroll.count()) === 0) return ((await page.getByTestId("enrollment-command").textContent()) ?? "").trim();
    await expect(page.getByTestId("enrollment-command")).toContainText(`curl -fsSLo "$f" ${consoleUrl}/install.sh`);
    await page.getByTestId("enrollment-enroll-details").locator("summary").click();
    return ((await enroll.textContent()) ?? "").trim();
  }

  test("the machine is enrolled with the command the page shows and appears in the fleet, on systemd", async ({ page, fleetPage }) => {
    await fleetPage.open();
    const consoleUrl = `http://${forward.address}`;
    const command = await addMachine(page, consoleUrl);
    const words = command.split(/\s+/);
    expect(words.slice(0, 3)).toEqual(["node", "apps/agent/dist/agent.mjs", "enroll"]);
    expect(words[3]).toBe(consoleUrl);
    // The installed agent runs the same subcommand; plain http off loopback must be asked for by name.
    const enroll = await machine.exec(["/opt/sysward/bin/sysward-agent", ...words.slice(2), "--insecure-http"], { user: true });
    expect(enroll.stdout + enroll.stderr).toContain(`enrolled as "${agentId}"`);
    expect(enroll.code).toBe(0);
    await machine.sh("systemctl --user restart sysward-agent.service", { user: true });
    await agent.ready();

    await expect(page.getByTestId("enrollment-progress")).toHaveAttribute("title", "enrolled");
    await page.getByTestId("enrollment-done").click();
    await expect(page.getByTestId(`fleet-agent-status-${agentId}`)).toHaveAttribute("data-tone", "up");
    await fleetPage.openAgent(agentId);
    await expect(page.getByTestId("agent-runtime")).toContainText("systemd");
    await expect(page.getByTestId("agent-hostname")).toHaveText(machine.hostname);
  });

  test("an uploaded package runs as a user unit and its startup line comes from the journal", async ({ agentPage }) => {
    await agentPage.open(agentId);
    await agentPage.installPackage({ fileName: "hello-1.zip", zip: helloServicePackage({ port, version: "v1" }), name: service, healthSeconds: 2 });
    await expect(agentPage.uploadResult).toContainText(`${service} is running version`, { timeout: 30_000 });
    await expect(agentPage.serviceState(service)).toHaveText("Running");
    versionId = (await agentPage.serviceVersion(service).textContent()) ?? "";
    expect(await unitActive()).toBe("active");
    await agentPage.showLogsOf(service);
    await expect(agentPage.logLines).toContainText(`hello v1 listening on 127.0.0.1:${port}`);
    await expect.poll(answer).toBe("hello from v1\n");
  });

  test("a version that exits at once fails with its journal lines and the old one keeps running", async ({ agentPage }) => {
    await agentPage.open(agentId);
    const message = "v2 cannot start: missing config";
    await agentPage.installPackage({ fileName: "hello-2.zip", zip: crashingServicePackage({ message }), name: service, healthSeconds: 2 });
    await expect(agentPage.uploadError).toBeVisible({ timeout: 30_000 });
    await expect(agentPage.uploadLogLines).toContainText(message);
    await expect(agentPage.uploadPreviousRunning).toBeVisible();
    await expect(agentPage.serviceState(service)).toHaveText("Running");
    await expect(agentPage.serviceVersion(service)).toHaveText(versionId);
    await expect.poll(answer).toBe("hello from v1\n");
  });

  test("a reboot shows the machine down, then up again with its service running", async ({ page, fleetPage }) => {
    await fleetPage.open();
    await expect(page.getByTestId(`fleet-agent-status-${agentId}`)).toHaveAttribute("data-tone", "up");
    await machine.poweroff();
    await expect(page.getByTestId(`fleet-agent-status-${agentId}`)).not.toHaveAttribute("data-tone", "up", { timeout: 45_000 });
    await machine.reboot();
    await agent.ready(60_000);
    await expect(page.getByTestId(`fleet-agent-status-${agentId}`)).toHaveAttribute("data-tone", "up", { timeout: 45_000 });
    await expect.poll(answer, { timeout: 30_000 }).toBe("hello from v1\n");
  });

  test("removing the service ends its unit", async ({ agentPage }) => {
    await agentPage.open(agentId);
    await expect(agentPage.serviceState(service)).toHaveText("Running");
    await agentPage.removeService(service);
    await expect(agentPage.serviceRow(service)).toHaveCount(0);
    await expect.poll(unitActive).not.toBe("active");
    await expect.poll(answer).toBeNull();
    expect((await machine.exec(["test", "-e", `/home/sw/.config/systemd/user/sysward-${service}.service`])).code).toBe(1);
  });
});
