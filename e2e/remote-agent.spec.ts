// A second machine, added and removed in the browser: an admin fills "Add machine", the command
// the page shows is run for real (the built agent's `enroll`, its own data dir and port), the
// agent starts with its mTLS listener, and the console drives it like the local one — info, live
// CPU, an install through the upload form. Removing it from its page takes it out of the fleet
// and the API, into the audit log. Viewers see none of the controls.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { readJson } from "./support/console-api";
import { answerOn, freePort } from "./support/host-checks";
import { helloServicePackage } from "./support/package-zips";
import { RemoteAgent } from "./support/remote-agent";

/**
 * Fills the fleet page's Add machine form and returns the enroll command the page then shows: these
 * machines run the agent from the checkout already, so the one under "installed already?" when the
 * console serves an agent artifact (the only one when it serves none).
 */
async function addMachine(page: Page, machine: { name: string; listen: string }): Promise<string> {
  await page.getByTestId("add-machine").click();
  await page.getByTestId("add-machine-name").fill(machine.name);
  await page.getByTestId("add-machine-listen").fill(machine.listen);
  await page.getByTestId("add-machine-submit").click();
  await expect(page.getByTestId("enrollment-command")).toBeVisible();
  const enroll = page.getByTestId("enrollment-enroll-command");
  if ((await enroll.count()) === 0) return ((await page.getByTestId("enrollment-command").textContent()) ?? "").trim();
  await page.getByTestId("enrollment-enroll-details").locator("summary").click();
  await expect(enroll).toBeVisible();
  return ((await enroll.textContent()) ?? "").trim();
}

/** The enrollment id of the pending row for `agentId`. */
async function pendingRowId(page: Page, agentId: string): Promise<number> {
  const testId = await page.locator(`[data-testid^="enrollment-row-"][data-agent-id="${agentId}"]`).getAttribute("data-testid");
  return Number(testId?.replace("enrollment-row-", ""));
}

type AuditJson = { entries: Array<{ action: string; target: string | null; result: string; detail: string | null }> };

test.describe("a remote machine, added and removed through the console", () => {
  // One machine through its life: each step starts from the state the previous one left.
  test.describe.configure({ mode: "serial" });

  const suffix = Date.now().toString(36);
  const name = `Remote ${suffix}`;
  const agentId = `remote-${suffix}`; // the id the console makes from the name
  const service = "onremote";
  let remote: RemoteAgent;
  let servicePort = 0;

  test.beforeAll(async () => {
    remote = await RemoteAgent.create();
    servicePort = await freePort();
  });

  test.afterAll(async () => {
    await remote?.dispose();
  });

  test("an admin adds a machine through the form; the command it shows enrols the machine", async ({ page, fleetPage, stack }) => {
    await fleetPage.open();
    await page.getByTestId("add-machine").click();
    // Pre-filled with the URL the admin uses, which this machine reaches too.
    await expect(page.getByTestId("add-machine-console-url")).toHaveValue(stack.baseURL);
    await expect(page.getByTestId("add-machine-expiry")).toHaveValue("60");
    await page.getByTestId("add-machine-cancel").click();

    const command = await addMachine(page, { name, listen: remote.listen });
    const m = /^node apps\/agent\/dist\/agent\.mjs enroll (\S+) (swe_\S+) --listen (\S+) --ca-sha256 ([0-9A-F:]{95})$/.exec(command);
    expect(m, command).not.toBeNull();
    expect(m![1]).toBe(stack.baseURL);
    expect(m![3]).toBe(remote.listen);
    await expect(page.getByTestId("enrollment-ca-sha256")).toHaveText(m![4]!);
    await expect(page.getByTestId("enrollment-once")).toContainText("not shown again");
    const expiresAt = Date.parse((await page.getByTestId("enrollment-expires").locator("time").getAttribute("datetime")) ?? "");
    expect(expiresAt - Date.now()).toBeGreaterThan(55 * 60_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(60 * 60_000);
    await expect(page.getByTestId("enrollment-progress")).toHaveAttribute("title", "waiting");
    const row = page.locator(`[data-testid^="enrollment-row-"][data-agent-id="${agentId}"]`);
    await expect(row).toContainText(name);
    await expect(row).toHaveAttribute("data-expired", "false");

    const enrolled = await remote.enroll(command);
    expect(enrolled.output).toContain(`enrolled as "${agentId}"`);
    expect(enrolled.code).toBe(0);
    await remote.start();

    // Without a reload: the page notices the enrollment was used and shows the machine, up.
    await expect(page.getByTestId("enrollment-progress")).toHaveAttribute("title", "enrolled");
    await expect(row).toHaveCount(0);
    await expect(fleetPage.agentCard(agentId)).toContainText(name);
    await expect(page.getByTestId(`fleet-agent-status-${agentId}`)).toHaveAttribute("data-tone", "up");
    await page.getByTestId("enrollment-done").click();
    await expect(page.getByTestId("add-machine-panel")).toHaveCount(0);
  });

  test("its page shows the machine's info and a live CPU chart that gains points", async ({ fleetPage, agentPage, page }) => {
    await fleetPage.open();
    await expect(page.getByTestId(`fleet-agent-status-${agentId}`)).toHaveAttribute("data-tone", "up");
    await fleetPage.openAgent(agentId);
    await expect(page.getByTestId("agent-name")).toHaveText(name);
    await expect(page.getByTestId("agent-address")).toHaveText(`https://${remote.listen}`);
    await expect(page.getByTestId("agent-hostname")).not.toHaveText("—");
    await expect(page.getByTestId("agent-runtime")).toContainText("supervisor");
    await expect(page.getByTestId("agent-error")).toHaveCount(0);

    await expect(agentPage.perfStatus).toHaveAttribute("data-status", "ok");
    const first = await agentPage.cpuPointCount();
    await expect.poll(() => agentPage.cpuPointCount(), { timeout: 10_000 }).toBeGreaterThanOrEqual(first + 3);
  });

  test("a package installed through the upload form runs on the remote machine", async ({ agentPage, stack }) => {
    await agentPage.open(agentId);
    await agentPage.installPackage({ fileName: "remote.zip", zip: helloServicePackage({ port: servicePort, version: "remote" }), name: service, healthSeconds: 2 });
    await expect(agentPage.uploadResult).toContainText(`${service} is running version`, { timeout: 30_000 });
    expect((await agentPage.phasesShown()).at(-1)).toBe("running");
    await expect(agentPage.serviceState(service)).toHaveText("Running");
    await expect.poll(() => answerOn(servicePort)).toBe("hello from remote\n");
    // It runs out of the remote agent's data dir, and the local agent has no such package.
    expect(remote.serviceProcesses().map((p) => p.name)).toContain(service);
    expect(existsSync(join(stack.agentDataDir, "packages", service))).toBe(false);
  });

  test("a viewer sees the machine but neither Add machine nor Remove machine", async ({ browser, sessions, page, stack }) => {
    const viewer = await browser.newContext({ storageState: await sessions.state("viewer") });
    try {
      const vpage = await viewer.newPage();
      await vpage.goto("/");
      await expect(vpage.getByTestId(`fleet-agent-${agentId}`)).toBeVisible();
      await expect(vpage.getByTestId("current-role")).toHaveText("viewer");
      await expect(vpage.getByTestId("add-machine")).toHaveCount(0);
      await expect(vpage.getByTestId("pending-enrollments")).toHaveCount(0);
      await vpage.goto(`/agents/${agentId}`);
      await expect(vpage.getByTestId("agent-name")).toHaveText(name);
      await expect(vpage.getByTestId("agent-debug-vars-link")).toBeVisible();
      await expect(vpage.getByTestId("remove-machine")).toHaveCount(0);
    } finally {
      await viewer.close();
    }
    // Nor can an admin remove this machine's own agent from its page.
    await page.goto(`/agents/${stack.agentId}`);
    await expect(page.getByTestId("agent-debug-vars-link")).toBeVisible();
    await expect(page.getByTestId("remove-machine")).toHaveCount(0);
  });

  test("rotating the console's client certificate (Users & tokens) keeps the remote machine reachable", async ({ page, fleetPage, adminApi }) => {
    await page.goto("/users");
    const before = ((await page.getByTestId("console-client-serial").textContent()) ?? "").trim();
    expect(before).toMatch(/^[0-9A-F]+$/);
    await page.getByTestId("console-certificate-rotate").click();
    const dialog = page.locator('dialog[open][data-testid="confirm-dialog"]');
    await expect(dialog).toContainText("revoked");
    await dialog.getByTestId("confirm-ok").click();
    await expect(page.getByTestId("console-certificate-rotated")).toContainText(before);
    await expect(page.getByTestId("console-client-serial")).not.toHaveText(before);

    // The console dials the machine with the new certificate from its next connection.
    await fleetPage.open();
    await expect(page.getByTestId(`fleet-agent-status-${agentId}`)).toHaveAttribute("data-tone", "up", { timeout: 15_000 });
    const audit = await readJson<AuditJson>(await adminApi.get("/api/audit?limit=200"));
    expect(audit.entries.find((e) => e.action === "certificate.rotate")).toMatchObject({ result: "ok" });
    expect(audit.entries.find((e) => e.action === "certificate.rotate")?.detail).toContain(`${before} revoked`);
  });

  test("removing the machine from its page takes it off the fleet and the API, into the audit log", async ({ page, agentPage, fleetPage, adminApi }) => {
    await agentPage.open(agentId);
    await page.getByTestId("remove-machine").click();
    // The open one: the services table keeps its own (closed) confirm dialog on the page.
    await expect(page.locator('dialog[open][data-testid="confirm-dialog"]')).toBeVisible();
    await expect(page.getByTestId("remove-machine-explanation")).toContainText("revokes its certificate");
    await expect(page.getByTestId("remove-machine-explanation")).toContainText("add it again");
    await page.getByTestId("confirm-ok").click();

    await fleetPage.expectShown();
    await expect(fleetPage.agentCard(agentId)).toHaveCount(0);
    await expect(fleetPage.agentCard("local")).toBeVisible();

    const agents = await readJson<{ agents: Array<{ id: string }> }>(await adminApi.get("/api/agents"));
    expect(agents.agents.map((a) => a.id)).not.toContain(agentId);
    const audit = await readJson<AuditJson>(await adminApi.get("/api/audit?limit=1000"));
    const mine = audit.entries.filter((e) => e.target === agentId);
    expect(mine.map((e) => `${e.action} ${e.result}`)).toEqual(expect.arrayContaining(["enrollment.create ok", "agent.enroll ok", "agent.delete ok", "certificate.revoke ok"]));

    await page.goto("/audit");
    for (const action of ["agent.delete", "certificate.revoke"]) {
      await expect(page.locator(`[data-testid=audit-row][data-action="${action}"]`, { hasText: agentId }).first()).toBeVisible();
    }
    // As the dialog says: the machine's own agent and services carry on, no longer managed.
    expect(await answerOn(servicePort)).toBe("hello from remote\n");
  });
});

test("a pending enrollment revoked from the list no longer enrols anything (and the form fits 390 px)", async ({ page, fleetPage, adminApi }) => {
  const machine = await RemoteAgent.create();
  try {
    const suffix = Date.now().toString(36);
    const agentId = `revoked-${suffix}`;
    await page.setViewportSize({ width: 390, height: 844 });
    await fleetPage.open();

    // The console's own refusal reaches the form.
    await page.getByTestId("add-machine").click();
    await page.getByTestId("add-machine-name").fill(`Revoked ${suffix}`);
    await page.getByTestId("add-machine-listen").fill("0.0.0.0:7443");
    await page.getByTestId("add-machine-submit").click();
    await expect(page.getByTestId("add-machine-error")).toContainText("listen");
    await page.getByTestId("add-machine-cancel").click();

    const command = await addMachine(page, { name: `Revoked ${suffix}`, listen: machine.listen });
    // Everything of the command is on screen at phone width: nothing scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByTestId("enrollment-done").click();

    const id = await pendingRowId(page, agentId);
    await page.getByTestId(`enrollment-revoke-${id}`).click();
    await expect(page.locator('dialog[open][data-testid="confirm-dialog"]')).toContainText("stops working");
    await page.getByTestId("confirm-ok").click();
    await expect(page.getByTestId(`enrollment-row-${id}`)).toHaveCount(0);

    const pending = await readJson<{ enrollments: Array<{ id: number }> }>(await adminApi.get("/api/enrollments"));
    expect(pending.enrollments.map((e) => e.id)).not.toContain(id);
    const run = await machine.enroll(command);
    expect(run.output).toContain("expired or already used");
    expect(run.code).toBe(1);
    expect(existsSync(join(machine.dataDir, "tls", "agent.crt"))).toBe(false);
    const audit = await readJson<AuditJson>(await adminApi.get("/api/audit?limit=1000"));
    expect(audit.entries.find((e) => e.action === "enrollment.cancel" && e.target === agentId)).toMatchObject({ result: "ok" });
  } finally {
    await machine.dispose();
  }
});
