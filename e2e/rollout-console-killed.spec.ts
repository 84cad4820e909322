// A console killed (SIGKILL: nothing flushed, no shutdown) while a rollout is in a host's health
// window, then started again on the same database: the rollout resumes where it stopped, every
// host ends on the new version, and none got the package twice. A console of its own (the shared
// stack's cannot be killed), the same production build, two real agents.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIRequestContext } from "@playwright/test";
import { shellBodies, shellServiceZip } from "../apps/agent/src/install/testing/package-fixtures";
import type { RolloutDetail } from "../apps/console/lib/shared/rollout-types";
import { expect, test } from "./fixtures";
import { AgentProcess } from "./support/agent-process";
import { registerAgent } from "./support/console-api";
import { ConsoleProcess } from "./support/console-process";
import { freePort } from "./support/host-checks";

const SERVICE = `rk${Date.now().toString(36)}`;

test("a console killed mid-wave resumes its rollout after a restart, installing on no machine twice", async () => {
  test.setTimeout(120_000);
  const root = mkdtempSync(join(tmpdir(), "sysward-e2e-killed-console-"));
  const password = randomBytes(12).toString("hex");
  const console_ = new ConsoleProcess(root, await freePort(), password);
  const agents = ["a", "b"].map((k) => {
    const { root: r, dataDir } = AgentProcess.makeRoot(`sysward-e2e-rk-${k}-`);
    return new AgentProcess(r, dataDir);
  });
  let admin: APIRequestContext | undefined;
  try {
    await console_.start();
    for (const a of agents) await a.start();
    admin = await console_.adminApi();
    for (const [i, a] of agents.entries()) await registerAgent(admin, `rk-${i}`, a, { tier: SERVICE });
    // One host per wave, each healthy only after 4 s: the kill lands inside the first one's window.
    const started = await admin.post("/api/rollouts", {
      multipart: {
        name: SERVICE,
        selector: `tier=${SERVICE}`,
        canary: "1",
        batch: "1",
        healthSeconds: "4",
        package: { name: "v1.zip", mimeType: "application/zip", buffer: shellServiceZip(SERVICE, shellBodies.steady("v1")) },
      },
    });
    expect(started.status(), await started.text()).toBe(201);
    const { rollout } = (await started.json()) as { rollout: RolloutDetail };
    const detail = async () => ((await (await admin!.get(`/api/rollouts/${rollout.id}`)).json()) as { rollout: RolloutDetail }).rollout;
    await expect.poll(async () => (await detail()).hosts[0]?.state, { timeout: 20_000, intervals: [50] }).toBe("installing");

    await console_.stop("SIGKILL");
    await console_.start();
    await admin.dispose();
    admin = await console_.adminApi();

    await expect.poll(async () => (await detail()).state, { timeout: 60_000 }).toBe("succeeded");
    const after = await detail();
    expect(after.hosts.map((h) => h.state)).toEqual(["healthy", "healthy"]);
    // Waves in order across the restart: the second host started after the first was healthy.
    expect(after.hosts[1]!.startedAt!).toBeGreaterThanOrEqual(after.hosts[0]!.finishedAt!);
    for (const a of agents) {
      // One install each: a second would have made a second version dir.
      expect(readdirSync(join(a.dataDir, "packages", SERVICE, "versions")), a.dataDir).toHaveLength(1);
      expect(a.serviceProcesses().length, "the service runs").toBeGreaterThan(0);
    }
  } finally {
    await admin?.dispose();
    await console_.stop();
    for (const a of agents) await a.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
