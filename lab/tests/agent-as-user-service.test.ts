// The agent installed on a Debian machine with systemd exactly as its packaging README says (user
// unit, lingering), deploying services as user units; then the machine faults an operator meets:
// the agent killed -9 (systemd restarts it, services run on untouched) and a reboot (the agent and
// every enabled service come back by themselves; a stopped one stays stopped).
import { ServiceState } from "@sysward/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installVia } from "../../apps/agent/src/install/testing/install-via";
import { shellBodies, shellServiceZip } from "../../apps/agent/src/install/testing/package-fixtures";
import { waitFor } from "../../apps/agent/src/runtime/testing/wait-for";
import { installUserAgent, type LabAgent } from "../src/agent";
import { labSkipReason } from "../src/availability";
import { LabMachine } from "../src/machine";

const skip = labSkipReason();

describe.skipIf(skip)(`the agent as a systemd user service on a lab machine${skip ? ` — skipped: ${skip}` : ""}`, () => {
  let machine: LabMachine;
  let agent: LabAgent;

  beforeAll(async () => {
    machine = await LabMachine.boot({ hostname: "lab-agent" });
    agent = await installUserAgent(machine, { SYSWARD_HEALTH_SECONDS: "1", SYSWARD_PERF_INTERVAL_MS: "500" });
  }, 180_000);

  afterAll(async () => {
    await machine?.destroy();
  });

  const unitState = async (unit: string) =>
    (await machine.exec(["systemctl", "--user", "show", "-p", "ActiveState", "-p", "UnitFileState", "--value", unit], { user: true })).stdout.trim().split("\n");
  const servicePids = async (name: string) => (await agent.client().getService({ name })).service!.pids;

  it("picks the systemd runtime by itself and deploys a service as an enabled user unit", async () => {
    const info = await agent.client().agentInfo({});
    expect(info.runtime).toBe("systemd");
    const installed = await installVia(agent.client(), { name: "web" }, shellServiceZip("web", shellBodies.steady("web")));
    expect(installed.service?.state).toBe(ServiceState.RUNNING);
    expect(await unitState("sysward-web.service")).toEqual(["active", "enabled"]);
    await installVia(agent.client(), { name: "idle" }, shellServiceZip("idle", shellBodies.steady("idle")));
    await agent.client().stopService({ name: "idle" });
    expect(await unitState("sysward-idle.service")).toEqual(["inactive", "disabled"]);
    // Logs come from the journal.
    const lines: string[] = [];
    for await (const l of agent.client().logs({ name: "web", tailLines: 20 })) lines.push(l.line);
    expect(lines).toContain("web started");
  });

  it("kill -9 of the agent: systemd starts it again and the service runs on with the same process", async () => {
    const before = await servicePids("web");
    const agentPid = await agent.pid();
    expect(agentPid).toBeGreaterThan(0);
    await machine.sh(`kill -9 ${agentPid}`);
    await waitFor(async () => (await agent.pid()) !== agentPid && (await agent.pid()) > 0, "a new agent process", { timeoutMs: 20_000 });
    await agent.ready();
    expect(await servicePids("web")).toEqual(before);
  });

  it("a reboot brings back the agent and the enabled service (new processes); the stopped one stays stopped", async () => {
    const before = await servicePids("web");
    const version = (await agent.client().getService({ name: "web" })).service!.version!.id;
    await machine.reboot();
    await agent.ready(60_000);
    const web = await waitFor(async () => {
      const s = (await agent.client().getService({ name: "web" })).service!;
      return s.state === ServiceState.RUNNING && s.pids.length > 0 ? s : undefined;
    }, "web running after the reboot", { timeoutMs: 30_000 });
    expect(web.version!.id).toBe(version);
    expect(web.pids).not.toEqual(before);
    expect((await agent.client().getService({ name: "idle" })).service!.state).toBe(ServiceState.STOPPED);
    expect(await unitState("sysward-idle.service")).toEqual(["inactive", "disabled"]);
  });
});
