// Alerts in the browser, with the real console's alert engine, the real local agent and a real
// webhook receiver this spec starts on loopback: an admin adds a channel on the Alerts page and
// sends a test; a threshold rule added on the page fires and shows in the nav badge, the Firing tab, on the machine's
// fleet card and through `sysward alerts --json`, and reaches the receiver with its link back;
// a silence made on the page covers it; turning the rule off resolves it into the history.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HttpReceiver } from "../apps/console/lib/server/alerts/testing/http-receiver";
import { expect, test } from "./fixtures";

const suffix = Date.now().toString(36);
const RULE = `mem-e2e-${suffix}`;
const CHANNEL = `hook-${suffix}`;
const receiver = new HttpReceiver();
const bin = fileURLToPath(new URL("../apps/cli/bin/sysward.mjs", import.meta.url));

interface Payload {
  status: string;
  alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string> }>;
}

test.describe("alerts", () => {
  test.describe.configure({ mode: "serial" });
  test.beforeAll(() => receiver.start());
  test.afterAll(async ({ adminApi }) => {
    await adminApi.delete(`/api/alerts/rules/${RULE}`);
    await receiver.stop();
  });

  test("a channel with Send test, a firing rule everywhere it shows, a silence, and the history", async ({ page, adminApi, stack }) => {
    await page.goto("/alerts");
    await expect(page.getByRole("heading", { name: "Alerts" })).toBeVisible();

    // A webhook channel from the page, and Send test delivering to the receiver.
    await page.getByTestId("channel-type").selectOption("webhook");
    await page.getByTestId("channel-name").fill(CHANNEL);
    await page.getByTestId("channel-url").fill(`${receiver.url}/alerts`);
    await page.getByTestId("channel-secret").fill("e2e-secret");
    await page.getByTestId("channel-create").click();
    await expect(page.getByTestId(`channel-row-${CHANNEL}`)).toContainText("(signed)");
    await page.getByTestId(`channel-test-${CHANNEL}`).click();
    await expect(page.getByTestId("channel-test-result")).toContainText(`Delivered to ${CHANNEL} (200)`);
    expect(receiver.json<Payload>().at(-1)!.alerts[0]!.annotations.test).toBe("true");
    expect(receiver.received.at(-1)!.headers["x-sysward-signature"]).toMatch(/^sha256=/);

    // A rule from the page that holds on any machine: more than 0.1 % of memory used, at once.
    await page.getByTestId("rule-id").fill(RULE);
    await page.getByTestId("rule-metric").selectOption("memory");
    await page.getByTestId("rule-threshold").fill("0.1");
    await page.getByTestId("rule-for").fill("0");
    await page.getByTestId("rule-create").click();
    await expect(page.getByTestId(`rule-row-${RULE}`)).toHaveAttribute("data-enabled", "true");

    await expect(page.getByTestId(`alert-row-${RULE}-local`)).toHaveAttribute("data-state", "firing");
    await expect(page.getByTestId("nav-alerts-count")).toBeVisible();
    await expect.poll(() => receiver.json<Payload>().some((p) => p.alerts[0]!.labels.alertname === RULE && p.status === "firing")).toBe(true);
    const firing = receiver.json<Payload>().find((p) => p.alerts[0]!.labels.alertname === RULE)!;
    expect(firing.alerts[0]!.annotations.url).toBe(`${stack.baseURL}/agents/local`);

    // What was sent for it, per channel.
    const row = page.getByTestId(`alert-row-${RULE}-local`);
    await row.getByRole("button", { name: "Deliveries" }).click();
    await expect(row).toContainText(`firing to ${CHANNEL}: delivered`);

    // The badge on the machine in the fleet view.
    await page.goto("/");
    await expect(page.getByTestId("alert-badge-local")).toBeVisible();

    // The CLI sees it too.
    const tokenRes = await adminApi.post("/api/tokens", { data: { name: `alerts-e2e-${suffix}` } });
    const { token } = (await tokenRes.json()) as { token: string };
    const home = mkdtempSync(join(tmpdir(), "sysward-alerts-cli-"));
    try {
      const cli = spawnSync(process.execPath, [bin, "alerts", "--state", "firing", "--json"], { env: { ...process.env, XDG_CONFIG_HOME: home, SYSWARD_URL: stack.baseURL, SYSWARD_TOKEN: token }, encoding: "utf8", timeout: 45_000 });
      expect(cli.status, cli.stderr).toBe(0);
      expect((JSON.parse(cli.stdout) as { alerts: Array<{ ruleId: string; agentId: string }> }).alerts).toContainEqual(expect.objectContaining({ ruleId: RULE, agentId: "local" }));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }

    // A silence of the rule from the page: the alert shows as silenced.
    await page.goto("/alerts");
    await page.getByTestId("silence-rule").fill(RULE);
    await page.getByTestId("silence-minutes").fill("30");
    await page.getByTestId("silence-reason").fill("e2e: checking silences");
    await page.getByTestId("silence-create").click();
    await expect(page.getByTestId("silences-table")).toContainText("e2e: checking silences");
    await page.getByTestId("alerts-tab-silenced").click();
    await expect(page.getByTestId(`alert-row-${RULE}-local`)).toHaveAttribute("data-silenced", "true");

    // Turned off on the page, the rule's alert resolves: in the history, and the receiver told it ended.
    await page.getByTestId(`rule-toggle-${RULE}`).click();
    await expect(page.getByTestId(`rule-row-${RULE}`)).toHaveAttribute("data-enabled", "false");
    await page.getByTestId("alerts-tab-resolved").click();
    await expect(page.getByTestId(`alert-row-${RULE}-local`)).toHaveAttribute("data-state", "resolved");
    await expect.poll(() => receiver.json<Payload>().some((p) => p.alerts[0]!.labels.alertname === RULE && p.status === "resolved")).toBe(true);
  });
});
