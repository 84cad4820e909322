// Labels through their route on a real console.sqlite: an admin sets and removes them, the fleet
// monitor shows them at once, bad ones are refused with the rule, viewers are refused, and every
// change is audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as labelsRoute from "@/app/api/agents/[agentId]/labels/route";
import { listAudit } from "../audit/audit-log";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";
import { getFleetMonitor } from "./fleet";
import { labelsOf } from "./labels";

const env = setupConsoleTestEnv();
let admin: string;
let viewer: string;
beforeAll(async () => {
  admin = createSession((await createUser({ username: "labeladmin", password: "label admin password", role: "admin" })).id, null).id;
  viewer = createSession((await createUser({ username: "labelviewer", password: "label viewer password", role: "viewer" })).id, null).id;
});
afterAll(() => env.cleanup());

const patch = (agentId: string, body: unknown, session = admin) =>
  labelsRoute.PATCH(consoleRequest(`/api/agents/${agentId}/labels`, { method: "PATCH", json: body, session }), { params: Promise.resolve({ agentId }) });

describe("PATCH /api/agents/<id>/labels", () => {
  it("sets and removes labels, shows them in the fleet monitor and audits the change", async () => {
    const set = await patch("local", { set: { env: "prod", role: "web", canary: "" } });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ labels: { canary: "", env: "prod", role: "web" } });
    await expect.poll(() => getFleetMonitor().get("local")?.labels).toEqual({ canary: "", env: "prod", role: "web" });

    const edited = await patch("local", { set: { role: "api" }, remove: ["canary", "absent"] });
    expect(await edited.json()).toEqual({ labels: { env: "prod", role: "api" } });
    await expect.poll(() => getFleetMonitor().get("local")?.labels).toEqual({ env: "prod", role: "api" });
    expect(listAudit({ limit: 1 })[0]).toMatchObject({ action: "agent.label", target: "local", result: "ok", detail: "role=api canary- absent-" });
  });

  it("refuses bad keys and values with the rule, unknown machines with 404, and viewers with 403", async () => {
    const bad = await patch("local", { set: { "-x": "1" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/label key "-x" is not 1–63 letters/);
    expect((await patch("local", { set: { ok: "a b" } })).status).toBe(400);
    expect((await patch("local", { set: "env=prod" })).status).toBe(400);
    expect((await patch("nowhere", { set: { env: "prod" } })).status).toBe(404);
    expect((await patch("local", { set: { env: "dev" } }, viewer)).status).toBe(403);
    expect(labelsOf("local")).toEqual({ env: "prod", role: "api" });
  });

  it("keeps at most 64 labels on a machine", async () => {
    const many = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${i}`, "v"]));
    const res = await patch("local", { set: many });
    expect(res.status).toBe(400);
    expect(labelsOf("local")).toEqual({ env: "prod", role: "api" });
  });
});
