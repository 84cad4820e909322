// A viewer can look but not change: no install or service controls on the page, and a write
// request forced from that page (its own cookies, its own origin) is refused with 403.
import { expect, test } from "./fixtures";
import { getService, removeService, uploadPackage } from "./support/console-api";
import { answerOn, freePort } from "./support/host-checks";
import { helloServicePackage } from "./support/package-zips";

test.use({ role: "viewer" });

const name = "watched";
let port = 0;

test.beforeAll(async ({ adminApi, stack }) => {
  // An admin installs a service first, so there is something the viewer could try to change.
  port = await freePort();
  const events = await uploadPackage(adminApi, stack.agentId, { name, zip: helloServicePackage({ port, version: "v1" }), healthSeconds: 1 });
  expect(events.at(-1), JSON.stringify(events)).toMatchObject({ type: "result", ok: true });
});

test.afterAll(async ({ adminApi, stack }) => {
  await removeService(adminApi, stack.agentId, name);
});

test("a viewer sees the services but no install or service controls", async ({ page, agentPage, fleetPage, sessions, stack }) => {
  await fleetPage.open();
  await fleetPage.expectSignedInAs(sessions.viewer.username, "viewer");
  await fleetPage.openAgent(stack.agentId);

  await expect(agentPage.serviceState(name)).toHaveText("Running");
  await expect(page.getByTestId(`service-logs-${name}`)).toBeVisible();
  await expect(agentPage.serviceWriteControls(name)).toHaveCount(0);
  await expect(agentPage.uploadCard).toHaveCount(0);
  await expect(page.getByTestId("upload-file")).toHaveCount(0);
});

test("write requests forced from the viewer's page get 403 and change nothing", async ({ page, agentPage, adminApi, stack }) => {
  await agentPage.open(stack.agentId);
  await expect(agentPage.serviceState(name)).toHaveText("Running");

  const statuses = await page.evaluate(
    async ({ agentId, name }) => {
      const remove = await fetch(`/rpc/${agentId}/sysward.agent.v1.AgentService/Remove`, {
        method: "POST",
        headers: { "content-type": "application/json", "connect-protocol-version": "1" },
        body: JSON.stringify({ name }),
      });
      const form = new FormData();
      form.append("name", name);
      form.append("package", new Blob([new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)])]), `${name}.zip`);
      const upload = await fetch(`/api/agents/${agentId}/upload`, { method: "POST", body: form });
      return { remove: remove.status, upload: upload.status };
    },
    { agentId: stack.agentId, name },
  );
  expect(statuses).toEqual({ remove: 403, upload: 403 });

  const service = await getService(adminApi, stack.agentId, name);
  expect(service?.state).toBe("SERVICE_STATE_RUNNING");
  expect(await answerOn(port)).toBe("hello from v1\n");
});
