// /api/rollouts over its route modules on a real console.sqlite and two REAL agents: a rollout
// started by API token with the ZIP in a multipart body runs to every host, a second one of the
// same service and selector is refused with the running one's id, a stored package is reused by
// its sha256, a finished rollout is reverted, the stream shows progress, viewers and bad input
// are refused with what to do, and start and revert are audited.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as rolloutRoute from "@/app/api/rollouts/route";
import * as oneRoute from "@/app/api/rollouts/[id]/route";
import * as revertRoute from "@/app/api/rollouts/[id]/revert/route";
import * as cancelRoute from "@/app/api/rollouts/[id]/cancel/route";
import * as streamRoute from "@/app/api/rollouts/stream/route";
import { shellBodies, shellServiceZip } from "../../../../agent/src/install/testing/package-fixtures";
import type { TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import type { RolloutDetail } from "../../shared/rollout-types";
import { SseReader } from "../../shared/sse-frames";
import { listAudit } from "../audit/audit-log";
import { createToken } from "../auth/api-tokens";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";
import { startLabelledAgents, stopLabelledAgents } from "../testing/labelled-agents";
import { streamedMultipart } from "../testing/streamed-zip";
import { stopRolloutEngine } from "./rollouts";

const env = setupConsoleTestEnv({ SYSWARD_FLEET_PERF_MS: "200" });
let agents: TestAgent[] = [];
let token: string;
let viewer: string;

beforeAll(async () => {
  const admin = await createUser({ username: "rolloutadmin", password: "rollout admin password", role: "admin" });
  token = createToken(admin.id, "deploys").token;
  viewer = createSession((await createUser({ username: "rolloutviewer", password: "rollout viewer password", role: "viewer" })).id, null).id;
  agents = [...(await startLabelledAgents(["api1", "api2"].map((id) => ({ id, dataDir: join(env.root, id, "data") })), { role: "api" }, { SYSWARD_SERVICE_WATCH_MS: "100" })).values()];
}, 60_000);

afterAll(async () => {
  await stopRolloutEngine();
  await stopLabelledAgents(agents);
  await env.cleanup();
});

const params = (id: number | string) => ({ params: Promise.resolve({ id: String(id) }) });
const zip = (tag: string) => {
  const bytes = shellServiceZip("svc", shellBodies.steady(tag));
  return { size: bytes.length, stream: () => new Blob([new Uint8Array(bytes)]).stream() };
};

function startMultipart(fields: Array<[string, string]>, tag: string, auth: { token?: string; session?: string } = { token }) {
  const body = streamedMultipart(fields, { field: "package", filename: `${tag}.zip`, contentType: "application/zip", body: zip(tag) });
  return rolloutRoute.POST(consoleRequest("/api/rollouts", { method: "POST", body: body.stream(), headers: { "content-type": body.contentType }, origin: null, ...auth }));
}

async function untilFinished(id: number): Promise<RolloutDetail> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const { rollout } = (await (await oneRoute.GET(consoleRequest(`/api/rollouts/${id}`, { token }), params(id))).json()) as { rollout: RolloutDetail };
    if (!["running", "reverting", "awaiting-approval"].includes(rollout.state)) return rollout;
  }
  throw new Error(`rollout ${id} did not finish`);
}

describe("/api/rollouts", () => {
  let first: RolloutDetail;

  it("starts a rollout from a multipart upload with an API token, refuses a second of the same service and selector, and runs to every host", async () => {
    const res = await startMultipart([["name", "svc"], ["selector", "role=api"], ["canary", "1"], ["healthSeconds", "2"]], "r1");
    expect(res.status).toBe(201);
    first = ((await res.json()) as { rollout: RolloutDetail }).rollout;
    expect(first).toMatchObject({ service: "svc", selector: "role=api", state: "running", createdBy: "rolloutadmin", hostCount: 2 });
    expect(first.hosts.map((h) => [h.agentName, h.wave])).toEqual([["api1", 0], ["api2", 1]]);

    const again = await rolloutRoute.POST(consoleRequest("/api/rollouts", { token, json: { name: "svc", selector: "role = api", sha256: first.sha256 } }));
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ runningId: first.id, error: expect.stringMatching(/still running/) });

    const done = await untilFinished(first.id);
    expect(done.state).toBe("succeeded");
    for (const a of agents) expect((await a.client().getService({ name: "svc" })).service?.version?.sha256).toBe(first.sha256);
    const list = (await rolloutRoute.GET(consoleRequest("/api/rollouts", { token })).json()) as { rollouts: Array<{ id: number; state: string }> };
    expect(list.rollouts[0]).toMatchObject({ id: first.id, state: "succeeded" });
  }, 60_000);

  it("reverts a finished rollout, streams its progress, and audits start and revert", async () => {
    const frames = new SseReader(streamRoute.GET(consoleRequest(`/api/rollouts/stream?id=${first.id}`, { session: viewer })).body!);
    const firstFrame = await frames.next();
    expect(firstFrame.event).toBe("rollout");
    expect((JSON.parse(firstFrame.data) as { rollout: RolloutDetail }).rollout.state).toBe("succeeded");

    const res = await revertRoute.POST(consoleRequest(`/api/rollouts/${first.id}/revert`, { method: "POST", token }), params(first.id));
    expect(res.status).toBe(200);
    const next = await frames.next();
    expect((JSON.parse(next.data) as { rollout: RolloutDetail }).rollout.state).toMatch(/reverting|reverted/);
    await frames.cancel();
    expect((await untilFinished(first.id)).state).toBe("reverted");
    // The service was new on both: reverting removes it.
    for (const a of agents) await expect(a.client().getService({ name: "svc" })).rejects.toThrow(/not_found|no package/i);
    const actions = listAudit({ limit: 20 }).filter((e) => e.target?.startsWith(`rollout ${first.id}`)).map((e) => `${e.action} ${e.result}`);
    expect(actions).toEqual(expect.arrayContaining(["rollout.start ok", "rollout.revert ok", "rollout.host ok"]));
  }, 60_000);

  it("refuses viewers, bad input and wrong states with what to do", async () => {
    const byViewer = await startMultipart([["name", "svc"], ["selector", "role=api"]], "v", { session: viewer });
    expect(byViewer.status).toBe(403);
    // A form that names no machine is refused before its package is read: nothing is stored.
    const stored = readdirSync(join(env.consoleDataDir, "packages")).length;
    const noMachine = await startMultipart([["name", "svc"], ["selector", "role=db"]], "nomachine");
    expect(noMachine.status).toBe(400);
    expect(((await noMachine.json()) as { error: string }).error).toMatch(/no machine has labels matching "role=db"/);
    expect(readdirSync(join(env.consoleDataDir, "packages")).length).toBe(stored);
    const badSelector = await rolloutRoute.POST(consoleRequest("/api/rollouts", { token, json: { name: "svc", selector: "role=(", sha256: first.sha256 } }));
    expect(badSelector.status).toBe(400);
    expect(((await badSelector.json()) as { error: string }).error).toMatch(/^selector: /);
    const nobody = await rolloutRoute.POST(consoleRequest("/api/rollouts", { token, json: { name: "svc", selector: "role=db", sha256: first.sha256 } }));
    expect(nobody.status).toBe(400);
    expect(((await nobody.json()) as { error: string }).error).toMatch(/no machine has labels matching "role=db"/);
    const unknown = await rolloutRoute.POST(consoleRequest("/api/rollouts", { token, json: { name: "svc", selector: "role=api", sha256: "0".repeat(64) } }));
    expect(unknown.status).toBe(404);
    const badBatch = await rolloutRoute.POST(consoleRequest("/api/rollouts", { token, json: { name: "svc", selector: "role=api", sha256: first.sha256, batch: "0%" } }));
    expect(badBatch.status).toBe(400);
    const text = await rolloutRoute.POST(consoleRequest("/api/rollouts", { token, body: "x", headers: { "content-type": "text/plain" } }));
    expect(text.status).toBe(415);
    const cancelDone = await cancelRoute.POST(consoleRequest(`/api/rollouts/${first.id}/cancel`, { method: "POST", token }), params(first.id));
    expect(cancelDone.status).toBe(409);
    expect(((await cancelDone.json()) as { error: string }).error).toMatch(/only a running rollout can be cancelled/);
    expect((await oneRoute.GET(consoleRequest("/api/rollouts/999", { token }), params(999))).status).toBe(404);
    expect((await oneRoute.GET(consoleRequest("/api/rollouts/x", { token }), params("x"))).status).toBe(400);
  });
});
