// The alert API through its route handlers on a real console.sqlite, with a REAL agent watched by
// the fleet monitor and a real webhook receiver: channels created by the fixed shape (secrets not
// echoed), Send test delivered (and a receiver's refusal reported), a threshold rule going
// pending → firing and listed, silences with who and why, /metrics, clear 400s, viewers refused
// for changes and allowed to read, every change audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as alertsRoute from "@/app/api/alerts/route";
import * as channelsRoute from "@/app/api/alerts/channels/route";
import * as channelRoute from "@/app/api/alerts/channels/[id]/route";
import * as channelTestRoute from "@/app/api/alerts/channels/[id]/test/route";
import * as rulesRoute from "@/app/api/alerts/rules/route";
import * as ruleRoute from "@/app/api/alerts/rules/[id]/route";
import * as silencesRoute from "@/app/api/alerts/silences/route";
import * as silenceRoute from "@/app/api/alerts/silences/[id]/route";
import * as metricsRoute from "@/app/metrics/route";
import { listAudit } from "../audit/audit-log";
import { createToken } from "../auth/api-tokens";
import { createSession } from "../auth/sessions";
import { createUser } from "../auth/users";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";
import { getAlertEngine } from "./alerts";
import { HttpReceiver } from "./testing/http-receiver";

const env = setupConsoleTestEnv({ SYSWARD_FLEET_PERF_MS: "200", SYSWARD_ALERT_EVAL_MS: "200" });
const receiver = new HttpReceiver();
let admin: string;
let viewer: string;
let token: string;
beforeAll(async () => {
  await receiver.start();
  await env.startAgent({ SYSWARD_SERVICE_WATCH_MS: "100", SYSWARD_PERF_INTERVAL_MS: "200" });
  const adminUser = await createUser({ username: "alertadmin", password: "alert admin password", role: "admin" });
  admin = createSession(adminUser.id, null).id;
  viewer = createSession((await createUser({ username: "alertviewer", password: "alert viewer password", role: "viewer" })).id, null).id;
  token = createToken(adminUser.id, "scraper").token;
  getAlertEngine();
});
afterAll(async () => {
  await receiver.stop();
  await env.cleanup();
});

type Handler<P> = (req: ReturnType<typeof consoleRequest>, ctx: { params: Promise<P> }) => Promise<Response> | Response;
async function call<P>(handler: Handler<P>, path: string, opts: Parameters<typeof consoleRequest>[1] & { params?: P } = {}) {
  const res = await handler(consoleRequest(path, { session: admin, ...opts }), { params: Promise.resolve((opts.params ?? {}) as P) });
  const text = await res.text();
  return { status: res.status, body: (res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text) as Record<string, unknown> & string };
}

describe("the alert API", () => {
  let channelId = 0;

  it("creates a webhook channel from {type, name, url, secret}, never answers the secret, and lists it for viewers too", async () => {
    const made = await call(channelsRoute.POST, "/api/alerts/channels", { json: { type: "webhook", name: "ops", url: `${receiver.url}/hook`, secret: "hmac-key" } });
    expect(made.status).toBe(201);
    const channel = made.body.channel as { id: number; type: string; name: string; summary: string };
    channelId = channel.id;
    expect(channel).toMatchObject({ type: "webhook", name: "ops" });
    expect(JSON.stringify(made.body)).not.toContain("hmac-key");
    const listed = await call(channelsRoute.GET, "/api/alerts/channels", { session: viewer });
    expect(listed.status).toBe(200);
    expect((listed.body.channels as unknown[]).length).toBe(1);
    expect(listAudit({ limit: 1 })[0]).toMatchObject({ action: "alert.channel.create", result: "ok", username: "alertadmin" });

    for (const [type, extra] of [["slack", {}], ["ntfy", { secret: "tk" }], ["email", { url: "smtp://u:p@127.0.0.1:2525", from: "a@example.test", to: "b@example.test" }]] as const) {
      const r = await call(channelsRoute.POST, "/api/alerts/channels", { json: { type, name: `c-${type}`, url: `${receiver.url}/${type}`, ...extra } });
      expect(`${type} ${r.status}`).toBe(`${type} 201`);
    }
  });

  it("refuses bad channels with a 400 that says what is wrong, duplicates with 409, viewers with 403", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ type: "pager", name: "x", url: "http://x" }, /type/],
      [{ type: "webhook", name: "x", url: "ftp://x" }, /url: must be an http/],
      [{ type: "webhook", name: "x", url: "http://x", extra: 1 }, /extra|unrecognized/i],
      [{ type: "email", name: "x", url: "smtp://h", from: "nope", to: "b@example.test" }, /from: must be an email address/],
      [{ type: "email", name: "x", url: "http://h", from: "a@example.test", to: "b@example.test" }, /smtp:\/\//],
    ];
    for (const [json, message] of cases) {
      const r = await call(channelsRoute.POST, "/api/alerts/channels", { json });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(message);
    }
    expect((await call(channelsRoute.POST, "/api/alerts/channels", { json: { type: "slack", name: "OPS", url: receiver.url } })).status).toBe(409);
    expect((await call(channelsRoute.POST, "/api/alerts/channels", { session: viewer, json: { type: "slack", name: "v", url: receiver.url } })).status).toBe(403);
  });

  it("Send test delivers to the receiver, and reports a refusal with the receiver's answer", async () => {
    const before = receiver.received.length;
    const ok = await call(channelTestRoute.POST, `/api/alerts/channels/${channelId}/test`, { params: { id: String(channelId) } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, statusCode: 200 });
    const got = receiver.received[before]!;
    expect(got.headers["x-sysward-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(JSON.parse(got.body)).toMatchObject({ version: "4", status: "firing", alerts: [{ annotations: { test: "true" } }] });
    receiver.status = 500;
    try {
      const refused = await call(channelTestRoute.POST, `/api/alerts/channels/${channelId}/test`, { params: { id: String(channelId) } });
      expect(refused.body).toMatchObject({ ok: false, statusCode: 500, error: expect.stringMatching(/answered 500/) });
    } finally {
      receiver.status = 200;
    }
    expect((await call(channelTestRoute.POST, "/api/alerts/channels/999/test", { params: { id: "999" } })).status).toBe(404);
  });

  it("adds a threshold rule that goes pending, then firing, and is listed, exported on /metrics and notified", async () => {
    const bad = await call(rulesRoute.POST, "/api/alerts/rules", { json: { id: "Mem High", metric: "memory", threshold: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^id: 1–63 lowercase/);
    expect((await call(rulesRoute.POST, "/api/alerts/rules", { json: { id: "mem", metric: "memory", threshold: 150 } })).body.error).toMatch(/percentage/);
    // Any machine uses more than 0.1 % of its memory: true at once, firing after 2 s.
    const made = await call(rulesRoute.POST, "/api/alerts/rules", { json: { id: "mem-used", metric: "memory", threshold: 0.1, forSeconds: 2, selector: "", channels: [channelId] } });
    expect(made.status).toBe(201);
    await expect.poll(async () => ((await call(alertsRoute.GET, "/api/alerts?state=pending", { session: viewer })).body.alerts as Array<{ ruleId: string }>).map((a) => a.ruleId), { timeout: 10_000 }).toContain("mem-used");
    await expect.poll(async () => ((await call(alertsRoute.GET, "/api/alerts?state=firing")).body.alerts as Array<{ ruleId: string }>).map((a) => a.ruleId), { timeout: 10_000 }).toContain("mem-used");
    await expect.poll(() => receiver.json<{ alerts: Array<{ labels: Record<string, string> }> }>().some((p) => p.alerts[0]!.labels.alertname === "mem-used"), { timeout: 10_000 }).toBe(true);

    const metrics = await call(metricsRoute.GET, "/metrics", { session: undefined, token });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('sysward_alerts_firing{rule="mem-used"} 1');
    expect(metrics.body).toContain('sysward_alerts_firing{rule="machine-down"} 0');

    const rules = (await call(rulesRoute.GET, "/api/alerts/rules", { session: viewer })).body.rules as Array<{ id: string; builtIn: boolean; enabled: boolean }>;
    expect(rules.filter((r) => r.builtIn).map((r) => r.id).sort()).toEqual(["certificate-expiring", "machine-down", "rollout-stopped", "service-failed", "service-restarts", "unsandboxed"]);
    // Turned off: its alert resolves.
    const off = await call(ruleRoute.PATCH, "/api/alerts/rules/mem-used", { method: "PATCH", json: { enabled: false }, params: { id: "mem-used" } });
    expect(off.body.rule).toMatchObject({ enabled: false });
    await expect.poll(async () => ((await call(alertsRoute.GET, "/api/alerts?state=resolved")).body.alerts as Array<{ ruleId: string }>).map((a) => a.ruleId), { timeout: 10_000 }).toContain("mem-used");
    expect((await call(ruleRoute.DELETE, "/api/alerts/rules/machine-down", { method: "DELETE", params: { id: "machine-down" } })).body.error).toMatch(/built-in rule: turn it off/);
    expect((await call(ruleRoute.DELETE, "/api/alerts/rules/mem-used", { method: "DELETE", params: { id: "mem-used" } })).status).toBe(200);
    expect((await call(ruleRoute.PATCH, "/api/alerts/rules/nope", { method: "PATCH", json: { enabled: true }, params: { id: "nope" } })).status).toBe(404);
    expect((await call(alertsRoute.GET, "/api/alerts?state=burning")).status).toBe(400);
  });

  it("creates silences with who and why, refuses a silence of everything, ends one early", async () => {
    expect((await call(silencesRoute.POST, "/api/alerts/silences", { json: { minutes: 5, reason: "x" } })).body.error).toMatch(/needs a selector, a service or a rule/);
    expect((await call(silencesRoute.POST, "/api/alerts/silences", { json: { service: "web", minutes: 5 } })).body.error).toMatch(/reason/);
    expect((await call(silencesRoute.POST, "/api/alerts/silences", { json: { selector: "=prod", service: "", minutes: 5, reason: "r" } })).status).toBe(400);
    const made = await call(silencesRoute.POST, "/api/alerts/silences", { json: { selector: "env=prod", service: "web", minutes: 30, reason: "migrating the database" } });
    expect(made.status).toBe(201);
    const s = made.body.silence as { id: number; createdBy: string; reason: string };
    expect(s).toMatchObject({ createdBy: "alertadmin", reason: "migrating the database" });
    expect(listAudit({ limit: 1 })[0]).toMatchObject({ action: "alert.silence.create", detail: expect.stringContaining("migrating the database") });
    const ended = await call(silenceRoute.DELETE, `/api/alerts/silences/${s.id}`, { method: "DELETE", params: { id: String(s.id) } });
    expect((ended.body.silence as { endedAt: number | null }).endedAt).not.toBeNull();
    expect((await call(silencesRoute.GET, "/api/alerts/silences", { session: viewer })).status).toBe(200);
    expect((await call(silenceRoute.DELETE, "/api/alerts/silences/1", { method: "DELETE", session: viewer, params: { id: "1" } })).status).toBe(403);
  });

  it("deletes a channel", async () => {
    expect((await call(channelRoute.DELETE, `/api/alerts/channels/${channelId}`, { method: "DELETE", params: { id: String(channelId) } })).status).toBe(200);
    expect((await call(channelRoute.DELETE, `/api/alerts/channels/${channelId}`, { method: "DELETE", params: { id: String(channelId) } })).status).toBe(404);
  });
});
