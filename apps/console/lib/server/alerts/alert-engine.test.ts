// The alert engine over the real path: REAL agents watched by the real fleet monitor, a real
// webhook receiver on loopback, the real SQLite file. A service that crash-loops after its health
// window fires (and resolves once fixed), a killed agent is machine-down after the threshold (and
// resolved when it returns), a silence holds a notification back until it ends, a receiver that is
// down gets it once it is back, an engine restarted while an alert fires sends nothing twice, and
// the rollout engine's entry point raises and resolves its alert.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installVia } from "../../../../agent/src/install/testing/install-via";
import { shellBodies, shellServiceZip } from "../../../../agent/src/install/testing/package-fixtures";
import { startTestAgent, type TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import { registerAgent } from "../agents/registry";
import { getFleetMonitor, stopFleetMonitor } from "../fleet/fleet";
import { setupConsoleTestEnv } from "../testing/console-test-env";
import { getAlertEngine, stopAlertEngine } from "./alerts";
import { createChannel } from "./channels/channel-store";
import { raiseRolloutStopped, resolveRolloutStopped } from "./external-conditions";
import { attemptsOf, notificationsOf } from "./notifications";
import { createSilence } from "./silences";
import { HttpReceiver } from "./testing/http-receiver";

const env = setupConsoleTestEnv({
  SYSWARD_FLEET_PERF_MS: "200",
  SYSWARD_ALERT_EVAL_MS: "200",
  SYSWARD_ALERT_MACHINE_DOWN_SECONDS: "2",
  SYSWARD_ALERT_RETRY_BASE_MS: "200",
  SYSWARD_ALERT_RETRY_MAX_MS: "1000",
  SYSWARD_CONSOLE_PUBLIC_URL: "https://console.example.test",
});
const AGENT_ENV = { SYSWARD_SERVICE_WATCH_MS: "100", SYSWARD_PERF_INTERVAL_MS: "200" };
const receiver = new HttpReceiver();
let local: TestAgent;
let other: TestAgent;

interface Payload {
  status: string;
  externalURL: string;
  alerts: Array<{ status: string; fingerprint: string; labels: Record<string, string>; annotations: Record<string, string> }>;
}
const notices = (rule: string, status?: string, machine?: string) =>
  receiver.json<Payload>().filter((p) => p.alerts[0]!.labels.alertname === rule && (!status || p.status === status) && (!machine || p.alerts[0]!.labels.machine === machine));
const soon = <T>(fn: () => T, timeout = 20_000) => expect.poll(fn, { timeout, interval: 50 });

beforeAll(async () => {
  await receiver.start();
  local = await env.startAgent(AGENT_ENV);
  other = await startTestAgent({ env: AGENT_ENV });
  registerAgent({ id: "other", name: "Other machine", address: `unix://${other.socketPath}`, credential: { kind: "token", token: other.token } });
  createChannel({ type: "webhook", name: "hook", url: `${receiver.url}/alerts`, secret: "k" }, "admin");
  getAlertEngine();
});
afterAll(async () => {
  await stopAlertEngine();
  await stopFleetMonitor();
  await other?.stop().catch(() => other.kill());
  other?.cleanup();
  await receiver.stop();
  await env.cleanup();
});

const openAlert = (rule: string, agentId: string, service = "") =>
  getAlertEngine()
    .alerts({ limit: 100 })
    .find((a) => a.ruleId === rule && a.agentId === agentId && a.service === service && a.state !== "resolved");

describe("the alert engine", () => {
  it("fires service-failed for a service that crash-loops after its health window, within 10 s of its start limit, and resolves it once fixed", { timeout: 120_000 }, async () => {
    await installVia(local.client(), { name: "web", healthSeconds: 1 }, shellServiceZip("web", shellBodies.crashesAfter("web", 1.5)));
    // The agent gives up after its start limit (5 crashes within 60 s): state failed.
    let failedAt = 0;
    await soon(() => {
      if (!failedAt && getFleetMonitor().get("local")?.services.find((s) => s.name === "web")?.state === "failed") failedAt = Date.now();
      return failedAt > 0;
    }, 90_000).toBe(true);
    await soon(() => notices("service-failed", "firing", "local").length, 10_000).toBe(1);
    // Its restarts on the way there (4 within a minute) are more than the built-in 3 in 10 minutes.
    await soon(() => notices("service-restarts", "firing", "local").length).toBe(1);
    expect(notices("service-restarts", "firing", "local")[0]!.alerts[0]!.labels.service).toBe("web");
    const [firing] = notices("service-failed", "firing", "local");
    expect(firing!.alerts[0]!.labels.service).toBe("web");
    expect(firing!.alerts[0]!.annotations.url).toBe("https://console.example.test/agents/local?service=web");
    expect(firing!.externalURL).toBe("https://console.example.test");
    expect(openAlert("service-failed", "local", "web")?.state).toBe("firing");

    await installVia(local.client(), { name: "web", healthSeconds: 1 }, shellServiceZip("web", shellBodies.steady("web")));
    await soon(() => notices("service-failed", "resolved", "local").length).toBe(1);
    expect(notices("service-failed", "resolved", "local")[0]!.alerts[0]!.fingerprint).toBe(firing!.alerts[0]!.fingerprint);
    expect(openAlert("service-failed", "local", "web")).toBeUndefined();
    expect(notices("service-failed", "firing", "local")).toHaveLength(1);
  });

  it("fires machine-down for a killed agent after the threshold (pending before), and resolves it when the agent returns", { timeout: 60_000 }, async () => {
    await soon(() => getAlertEngine().alerts({ limit: 10 }).length >= 0 && openAlert("machine-down", "other") === undefined).toBe(true);
    await other.kill();
    const killed = Date.now();
    await soon(() => openAlert("machine-down", "other")?.state).toBe("pending");
    await soon(() => notices("machine-down", "firing", "other").length).toBe(1);
    // SYSWARD_ALERT_MACHINE_DOWN_SECONDS=2: not before the machine was down that long.
    const arrived = receiver.received.find((r) => {
      const p = JSON.parse(r.body) as Payload;
      return p.status === "firing" && p.alerts[0]!.labels.alertname === "machine-down" && p.alerts[0]!.labels.machine === "other";
    })!;
    expect(arrived.at - killed).toBeGreaterThanOrEqual(2000);
    other = await startTestAgent({ dataDir: other.dataDir, env: AGENT_ENV });
    await soon(() => notices("machine-down", "resolved", "other").length).toBe(1);
    expect(openAlert("machine-down", "other")).toBeUndefined();
  });

  it("holds back a silenced alert's notification and sends it when the silence ends", { timeout: 60_000 }, async () => {
    const before = notices("machine-down", "firing", "other").length;
    const silence = createSilence({ selector: "", service: "", rule: "machine-down", minutes: 6 / 60, reason: "planned reboot" }, "admin");
    await other.kill();
    await soon(() => openAlert("machine-down", "other")?.state).toBe("firing");
    expect(openAlert("machine-down", "other")?.silenced).toBe(true);
    expect(getAlertEngine().alerts({ state: "silenced", limit: 10 }).map((a) => a.agentId)).toContain("other");
    expect(notices("machine-down", "firing", "other")).toHaveLength(before);
    // The silence ends while it still fires: sent then.
    await soon(() => notices("machine-down", "firing", "other").length).toBe(before + 1);
    expect(Date.now()).toBeGreaterThanOrEqual(silence.endsAt);
    other = await startTestAgent({ dataDir: other.dataDir, env: AGENT_ENV });
    await soon(() => openAlert("machine-down", "other")).toBeUndefined();
  });

  it("retries a receiver that is down and delivers once it is back, recording every attempt", { timeout: 60_000 }, async () => {
    await receiver.stop();
    const alert = raiseRolloutStopped({ service: "api", reason: "health check failed on 2 of 3 machines" });
    await soon(() => notificationsOf(alert.id)[0]?.attempts ?? 0).toBeGreaterThanOrEqual(2);
    expect(notificationsOf(alert.id)[0]).toMatchObject({ deliveredAt: null, lastError: expect.stringMatching(/ECONNREFUSED/) });
    await receiver.start();
    await soon(() => notices("rollout-stopped", "firing").length).toBe(1);
    // Recorded once the receiver's answer is in (a moment after it took the request).
    await soon(() => notificationsOf(alert.id)[0]?.deliveredAt ?? null).not.toBeNull();
    const [n] = notificationsOf(alert.id);
    const attempts = attemptsOf(n!.id);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(attempts.slice(0, -1).every((a) => !a.ok)).toBe(true);
    expect(attempts.at(-1)).toMatchObject({ ok: true, statusCode: 200 });
    expect(notices("rollout-stopped", "firing")[0]!.alerts[0]!.annotations.summary).toBe("rollout of api stopped: health check failed on 2 of 3 machines");

    // Raising it again is the same alert; resolving sends the end once.
    expect(raiseRolloutStopped({ service: "api", reason: "again" }).id).toBe(alert.id);
    expect(resolveRolloutStopped({ service: "api" })).toBe(true);
    expect(resolveRolloutStopped({ service: "api" })).toBe(false);
    await soon(() => notices("rollout-stopped", "resolved").length).toBe(1);
    expect(notices("rollout-stopped", "firing")).toHaveLength(1);
  });

  it("sends nothing twice when the console restarts while an alert fires, and still sends its resolve", { timeout: 60_000 }, async () => {
    await other.kill();
    const firedBefore = notices("machine-down", "firing", "other").length;
    await soon(() => notices("machine-down", "firing", "other").length).toBe(firedBefore + 1);
    await stopAlertEngine();
    await stopFleetMonitor();
    getAlertEngine();
    // Still down after the restart: the same alert, firing, and no second notification.
    await new Promise((r) => setTimeout(r, 3000));
    expect(openAlert("machine-down", "other")?.state).toBe("firing");
    expect(notices("machine-down", "firing", "other")).toHaveLength(firedBefore + 1);
    const resolvedBefore = notices("machine-down", "resolved", "other").length;
    other = await startTestAgent({ dataDir: other.dataDir, env: AGENT_ENV });
    await soon(() => notices("machine-down", "resolved", "other").length).toBe(resolvedBefore + 1);
  });
});
