// Root mode: the agent installed from the shipped system unit (data in /var/lib/sysward), as its
// packaging README says. systemd is PID 1, so its services become system units, each under a uid
// of its own; they come back after a reboot, enabled, with the agent.
import { ServiceState } from "@sysward/proto";
import { readFileSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installVia } from "../../apps/agent/src/install/testing/install-via";
import { shellBodies, shellServiceZip } from "../../apps/agent/src/install/testing/package-fixtures";
import { waitFor } from "../../apps/agent/src/runtime/testing/wait-for";
import { installSystemAgent, SYSTEM_DATA_DIR, type LabAgent } from "../src/agent";
import { labSkipReason } from "../src/availability";
import { LabMachine } from "../src/machine";

const skip = labSkipReason();

describe.skipIf(skip)(`the agent as a systemd system service on a lab machine${skip ? ` — skipped: ${skip}` : ""}`, () => {
  let machine: LabMachine;
  let agent: LabAgent;

  beforeAll(async () => {
    machine = await LabMachine.boot({ hostname: "lab-root" });
    agent = await installSystemAgent(machine, { SYSWARD_HEALTH_SECONDS: "1" });
  }, 180_000);

  afterAll(async () => {
    await machine?.destroy();
  });

  it("runs as root with a private data dir, its services as system units under their own uids", async () => {
    const info = await agent.client().agentInfo({});
    expect(info.runtime).toBe("systemd");
    expect(info.isolation).toMatchObject({ sandboxed: true, separateUsers: true });
    expect(statSync(machine.path(SYSTEM_DATA_DIR)).mode & 0o777).toBe(0o700);
    const installed = await installVia(agent.client(), { name: "worker" }, shellServiceZip("worker", shellBodies.steady("worker")));
    expect(installed.service?.state).toBe(ServiceState.RUNNING);
    expect((await machine.exec(["systemctl", "is-enabled", "sysward-agent.service"])).stdout.trim()).toBe("enabled");
    expect((await machine.exec(["systemctl", "is-enabled", "sysward-worker.service"])).stdout.trim()).toBe("enabled");
    const pid = installed.service!.pids[0]!;
    const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(machine.path(`/proc/${pid}/status`), "utf8"))?.[1]);
    expect(uid).toBeGreaterThan(0);
    expect(statSync(machine.path(`${SYSTEM_DATA_DIR}/packages/worker/data`)).uid).toBe(uid);
  });

  it("comes back after a reboot, and so does its service", async () => {
    const before = (await agent.client().getService({ name: "worker" })).service!.pids;
    await machine.reboot();
    await agent.ready(60_000);
    const after = await waitFor(async () => {
      const s = (await agent.client().getService({ name: "worker" })).service!;
      return s.state === ServiceState.RUNNING && s.pids.length > 0 ? s.pids : undefined;
    }, "worker running after the reboot", { timeoutMs: 30_000 });
    expect(after).not.toEqual(before);
  });
});
