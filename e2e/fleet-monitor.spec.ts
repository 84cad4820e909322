// The fleet page live from the console's fleet monitor, with several REAL agents (each its own
// data dir and socket, registered through the API): one request keeps the page current however
// many machines there are; a killed agent shows down within seconds and comes back by itself; a
// crash-looping service shows as a badge on its machine and in the count; labels set on a
// machine's page filter the fleet.
import type { Page, Request } from "@playwright/test";
import { shellBodies, shellServiceZip } from "../apps/agent/src/install/testing/package-fixtures";
import { expect, test } from "./fixtures";
import { readJson, uploadPackage } from "./support/console-api";
import { AgentProcess } from "./support/agent-process";

const suffix = Date.now().toString(36);
/** Every machine of this spec carries it, so other specs' machines never get in the way. */
const TAG = `fm${suffix}`;
const ids = { a: `fm-a-${suffix}`, b: `fm-b-${suffix}`, c: `fm-c-${suffix}` } as const;
const names = { a: `FM A ${suffix}`, b: `FM B ${suffix}`, c: `FM C ${suffix}` } as const;
type Key = keyof typeof ids;
const labels: Record<Key, Record<string, string>> = { a: { env: "prod", role: "web" }, b: { env: "prod", role: "api" }, c: { env: "dev" } };

const fleetCard = (page: Page, id: string) => page.getByTestId(`fleet-agent-${id}`);

/** Requests the page sent during `ms` (after it settled): a live page should need none. */
async function requestsDuring(page: Page, ms: number): Promise<string[]> {
  const seen: string[] = [];
  // Next prefetching the nav's pages (whenever the browser is idle) has nothing to do with the fleet.
  const onRequest = (r: Request) => {
    if (r.headers()["next-router-prefetch"] === undefined) seen.push(`${r.method()} ${new URL(r.url()).pathname}`);
  };
  page.on("request", onRequest);
  await page.waitForTimeout(ms); // the window itself is what is measured
  page.off("request", onRequest);
  return seen;
}

test.describe("the fleet page, live from the fleet monitor", () => {
  test.describe.configure({ mode: "serial" });

  const agents = {} as Record<Key, AgentProcess>;

  test.beforeAll(async () => {
    for (const k of Object.keys(ids) as Key[]) {
      const { root, dataDir } = AgentProcess.makeRoot(`sysward-e2e-${k}-`);
      agents[k] = new AgentProcess(root, dataDir);
      await agents[k].start();
    }
  });

  test.afterAll(async ({ adminApi }) => {
    for (const k of Object.keys(ids) as Key[]) {
      await adminApi.delete(`/api/agents/${ids[k]}`);
      await agents[k]?.dispose();
    }
  });

  async function register(adminApi: import("@playwright/test").APIRequestContext, k: Key): Promise<void> {
    const res = await adminApi.post("/api/agents", {
      data: { id: ids[k], name: names[k], address: `unix://${agents[k].socketPath}`, credential: { kind: "token", token: agents[k].token() } },
    });
    expect(res.status(), await res.text()).toBe(201);
    const lab = await adminApi.patch(`/api/agents/${ids[k]}/labels`, { data: { set: { ...labels[k], tag: TAG } } });
    expect(lab.status(), await lab.text()).toBe(200);
  }

  test("a page holds one stream: as many requests over a window with 2 machines as with 4", async ({ browser, sessions, adminApi, stack }) => {
    // A viewer: an admin's page also polls pending enrollments, which has nothing to do with the fleet's size.
    const context = await browser.newContext({ storageState: await sessions.state("viewer") });
    const page = await context.newPage();
    try {
      await register(adminApi, "a");
      const counted = async () => {
        await page.goto("/");
        await expect(page.getByTestId("fleet")).toHaveAttribute("data-loaded", "true");
        for (const id of [stack.agentId, ids.a]) await expect(page.getByTestId(`fleet-agent-status-${id}`)).toHaveAttribute("data-tone", "up");
        await expect(page.getByTestId(`fleet-agent-cpu-${ids.a}`)).not.toHaveText("—");
        // The fullest filesystem of that machine, from the same samples.
        await expect(page.getByTestId(`fleet-agent-disk-${ids.a}`)).toHaveText(/^\d+(\.\d)? %$/);
        const sampled = async () => Number(await fleetCard(page, ids.a).getAttribute("data-perf-t"));
        const before = await sampled();
        const requests = await requestsDuring(page, 12_000);
        // Live all along: newer samples arrived in the window, without a request of their own.
        expect(await sampled()).toBeGreaterThan(before + 5000);
        return requests;
      };
      const withTwo = await counted();
      await register(adminApi, "b");
      await register(adminApi, "c");
      const withFour = await counted();
      await expect(page.getByTestId(`fleet-agent-status-${ids.c}`)).toHaveAttribute("data-tone", "up");
      // The alert badges' poll (every 5 s, firing and pending, whatever the fleet's size) lands 2 or
      // 3 times in a 12 s window depending on its phase: bounded, and left out of the comparison.
      const badgePoll = (r: string) => r === "GET /api/alerts";
      for (const w of [withTwo, withFour]) expect(w.filter(badgePoll).length).toBeLessThanOrEqual(2 * 3);
      const rest = (w: string[]) => w.filter((r) => !badgePoll(r));
      expect(rest(withFour), `with 4 machines: ${withFour.join(", ")}; with 2: ${withTwo.join(", ")}`).toHaveLength(rest(withTwo).length);
      // Not one poll per card: the page's stream is its only line to the fleet.
      expect(withFour.filter((r) => r.includes("/rpc/"))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test("a killed agent shows down within seconds, with why, and up again by itself when it is back", async ({ page, fleetPage }) => {
    await fleetPage.open();
    await expect(page.getByTestId(`fleet-agent-status-${ids.b}`)).toHaveAttribute("data-tone", "up");
    const killedAt = Date.now();
    await agents.b.stop("SIGKILL");
    await expect(page.getByTestId(`fleet-agent-status-${ids.b}`)).toHaveAttribute("data-tone", "down", { timeout: 10_000 });
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    await expect(page.getByTestId(`fleet-agent-error-${ids.b}`)).toContainText("Down since");
    await expect(page.getByTestId("fleet-count-down")).toHaveText(/^[1-9]\d* down$/);
    // The others carry on.
    await expect(page.getByTestId(`fleet-agent-status-${ids.a}`)).toHaveAttribute("data-tone", "up");

    await agents.b.start();
    await expect(page.getByTestId(`fleet-agent-status-${ids.b}`)).toHaveAttribute("data-tone", "up", { timeout: 20_000 });
    await expect(page.getByTestId(`fleet-agent-error-${ids.b}`)).toHaveCount(0);
  });

  test("a service crash-looping on one machine shows as a failed badge on it and in the count", async ({ page, fleetPage, adminApi }) => {
    await fleetPage.open();
    await expect(page.getByTestId(`fleet-agent-failed-${ids.a}`)).toHaveCount(0);
    // Up long enough to pass its health window, then it crashes again and again until the start limit gives up.
    const events = await uploadPackage(adminApi, ids.a, { name: "crashy", zip: shellServiceZip("crashy", shellBodies.crashesAfter("crashy", 2)), healthSeconds: 1 });
    expect(events.at(-1), JSON.stringify(events)).toMatchObject({ type: "result", ok: true });
    await expect(page.getByTestId(`fleet-agent-failed-${ids.a}`)).toHaveText("1 failed", { timeout: 45_000 });
    await expect(page.getByTestId("fleet-failed-total")).toHaveText(/^[1-9]\d* failed services?$/);
    for (const k of ["b", "c"] as const) await expect(page.getByTestId(`fleet-agent-failed-${ids[k]}`)).toHaveCount(0);

    // "Failed services" narrows the fleet to it; the services page lists it as failed.
    await page.getByTestId("fleet-selector").fill(`tag=${TAG}`);
    await page.getByTestId("fleet-state-failing").click();
    await expect(page.getByTestId("fleet-grid")).toHaveAttribute("data-shown", "1");
    await expect(fleetPage.agentCard(ids.a)).toBeVisible();
    await page.getByTestId("nav-services").click();
    await page.getByTestId("fleet-services-state").selectOption("failed");
    await expect(page.getByTestId(`fleet-service-${ids.a}-crashy`)).toHaveAttribute("data-state", "failed");
    await expect(page.getByTestId(`fleet-service-${ids.a}-crashy`)).toContainText("crashed");

    const recorded = await readJson<{ events: Array<{ kind: string; service: string | null; state: string }> }>(await adminApi.get(`/api/fleet/events?agent=${ids.a}`));
    expect(recorded.events).toContainEqual(expect.objectContaining({ kind: "service.state", service: "crashy", state: "failed" }));
    // The machine's page lists the change among its recent ones.
    await page.goto(`/agents/${ids.a}`);
    await expect(page.getByTestId("machine-events").locator('[data-kind="service.state"]', { hasText: "crashy" }).filter({ hasText: "failed" }).first()).toBeVisible();
  });

  test("labels set on a machine's page filter the fleet; so do a selector, the state and a search", async ({ page, fleetPage }) => {
    // An admin edits C's labels on its page: the words are the whole set.
    await page.goto(`/agents/${ids.c}`);
    await expect(page.getByTestId("agent-labels")).toContainText("env=dev");
    await page.getByTestId("label-edit").click();
    await page.getByTestId("label-editor-input").fill(`env=dev tier=edge tag=${TAG}`);
    await page.getByTestId("label-editor-save").click();
    await expect(page.getByTestId("agent-labels")).toContainText("tier=edge");

    await fleetPage.open();
    const shown = page.getByTestId("fleet-grid");
    const selector = page.getByTestId("fleet-selector");
    const expectShown = async (sel: string, want: Key[]) => {
      await selector.fill(sel);
      await expect(shown).toHaveAttribute("data-shown", String(want.length));
      for (const k of Object.keys(ids) as Key[]) await expect(fleetPage.agentCard(ids[k])).toHaveCount(want.includes(k) ? 1 : 0);
    };
    await expectShown(`tag=${TAG},env=prod`, ["a", "b"]);
    await expectShown(`tag=${TAG},role in (web,db)`, ["a"]);
    await expectShown(`tag=${TAG},env!=prod`, ["c"]);
    await expectShown(`tag=${TAG},tier`, ["c"]);
    await expectShown(`tag=${TAG},!role`, ["c"]);
    await expect(fleetPage.agentCard(ids.c).getByTestId(`fleet-agent-labels-${ids.c}`)).toContainText("tier=edge");

    await selector.fill("env=prod,");
    await expect(page.getByTestId("fleet-selector-error")).toContainText("expected a label key");
    await selector.fill(`tag=${TAG}`);
    await page.getByTestId("fleet-search").fill(`FM B ${suffix}`);
    await expect(shown).toHaveAttribute("data-shown", "1");
    await expect(fleetPage.agentCard(ids.b)).toBeVisible();
    // The filters live in the address: a reload shows the same view.
    await page.reload();
    await expect(page.getByTestId("fleet-search")).toHaveValue(`FM B ${suffix}`);
    await expect(shown).toHaveAttribute("data-shown", "1");
  });
});
