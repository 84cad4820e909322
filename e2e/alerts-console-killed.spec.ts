// A console killed (SIGKILL) while an alert is firing, then started again on the same database:
// the receiver is not told twice that it fires, and is told once when it resolves. A console of
// its own (the shared stack's cannot be killed), the same production build, a real agent and a
// real webhook receiver on loopback.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIRequestContext } from "@playwright/test";
import { HttpReceiver } from "../apps/console/lib/server/alerts/testing/http-receiver";
import { expect, test } from "./fixtures";
import { AgentProcess } from "./support/agent-process";
import { registerAgent } from "./support/console-api";
import { ConsoleProcess } from "./support/console-process";
import { freePort } from "./support/host-checks";

const RULE = "mem-used";

test("a console killed while an alert fires sends it once, and its resolve once, after a restart", async () => {
  test.setTimeout(120_000);
  const root = mkdtempSync(join(tmpdir(), "sysward-e2e-alert-console-"));
  const console_ = new ConsoleProcess(root, await freePort(), randomBytes(12).toString("hex"));
  const { root: agentRoot, dataDir } = AgentProcess.makeRoot("sysward-e2e-alert-agent-");
  const agent = new AgentProcess(agentRoot, dataDir);
  const receiver = await new HttpReceiver().start();
  const told = (status: string) =>
    receiver
      .json<{ status: string; alerts: Array<{ labels: Record<string, string> }> }>()
      .filter((p) => p.status === status && p.alerts.some((a) => a.labels.alertname === RULE)).length;
  let admin: APIRequestContext | undefined;
  try {
    await console_.start();
    await agent.start();
    admin = await console_.adminApi();
    await registerAgent(admin, "ak-1", agent, { tier: "alerted" });
    const channel = await admin.post("/api/alerts/channels", { data: { type: "webhook", name: "hook", url: `${receiver.url}/hook` } });
    expect(channel.status(), await channel.text()).toBe(201);
    const { channel: made } = (await channel.json()) as { channel: { id: number } };
    // True at once on any machine: more than 0.1 % of its memory in use.
    const rule = await admin.post("/api/alerts/rules", { data: { id: RULE, metric: "memory", threshold: 0.1, forSeconds: 1, selector: "tier=alerted", channels: [made.id] } });
    expect(rule.status(), await rule.text()).toBe(201);
    await expect.poll(() => told("firing"), { timeout: 20_000 }).toBe(1);

    await console_.stop("SIGKILL");
    await console_.start();
    await admin.dispose();
    admin = await console_.adminApi();
    // The restarted engine finds the alert firing (and already sent) in the database.
    const firing = async () => ((await (await admin!.get("/api/alerts?state=firing")).json()) as { alerts: Array<{ ruleId: string }> }).alerts.filter((a) => a.ruleId === RULE).length;
    await expect.poll(firing, { timeout: 15_000 }).toBe(1);
    // Several evaluation passes and outbox rounds later (1 s each), still one notice.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(told("firing"), "firing notices after the restart").toBe(1);

    // Turned off, the rule's alert resolves: told once.
    const off = await admin.patch(`/api/alerts/rules/${RULE}`, { data: { enabled: false } });
    expect(off.status(), await off.text()).toBe(200);
    await expect.poll(() => told("resolved"), { timeout: 20_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 2_000));
    expect([told("firing"), told("resolved")]).toEqual([1, 1]);
  } finally {
    await admin?.dispose();
    await console_.stop();
    await agent.dispose();
    await receiver.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
