// The escape kit (apps/agent/src/isolation/testing/escape-kit.ts) on a real Debian machine with
// systemd, against the agent installed as its packaging README says: as the machine's user
// (user mode) and as root (the system unit; a uid per service). Each agent shares the machine
// with a console's data in the same home, as `npm start` lays out one host. Every attack and
// every legitimate need is asserted on its own.
import { ServiceState } from "@sysward/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KitResult } from "../../apps/agent/src/isolation/testing/escape-kit";
import { itBlocksEveryAttack, NEIGHBOUR, runEscapeKit } from "../../apps/agent/src/isolation/testing/run-escape-kit";
import { AGENT_DATA_DIR, installSystemAgent, installUserAgent, SYSTEM_DATA_DIR, type LabAgent } from "../src/agent";
import { labSkipReason } from "../src/availability";
import { LabMachine } from "../src/machine";
import { LAB_USER } from "../src/settings";

const skip = labSkipReason();
const HOME = `/home/${LAB_USER.name}`;
const CONSOLE_DIR = `${HOME}/.local/share/sysward-console`;

/** A console's secrets and an agent's TLS key where they would be, then the kit against `agent`. */
async function attack(machine: LabMachine, agent: LabAgent, dataDir: string): Promise<Map<string, KitResult>> {
  await machine.sh(
    [
      `install -d -m 0700 -o ${LAB_USER.name} ${CONSOLE_DIR} ${CONSOLE_DIR}/pki`,
      `install -d -m 0700 -o ${dataDir === SYSTEM_DATA_DIR ? "root" : LAB_USER.name} ${dataDir}/tls`,
      `printf 'SQLite format 3 every agent token' > ${CONSOLE_DIR}/console.sqlite`,
      `printf 'PRIVATE KEY of the console CA' > ${CONSOLE_DIR}/pki/ca.key`,
      `printf 'PRIVATE KEY of the agent' > ${dataDir}/tls/agent.key`,
      `chmod 0600 ${CONSOLE_DIR}/console.sqlite ${CONSOLE_DIR}/pki/ca.key ${dataDir}/tls/agent.key`,
      "install -d -m 1777 /tmp/host-tmp",
    ].join("\n"),
  );
  const otherStateDir = `${dataDir}/packages/${NEIGHBOUR}/data`;
  const agentPid = await agent.pid();
  return runEscapeKit(agent.client(), async (otherPid) => {
    await machine.sh(`printf "the neighbour's data" > ${otherStateDir}/secret`);
    return {
      agentToken: `${dataDir}/agent.token`,
      agentSocket: `${dataDir}/agent.sock`,
      agentTlsKey: `${dataDir}/tls/agent.key`,
      agentPid,
      consoleDb: `${CONSOLE_DIR}/console.sqlite`,
      consoleCaKey: `${CONSOLE_DIR}/pki/ca.key`,
      otherStateDir,
      otherPid,
      otherName: NEIGHBOUR,
      hostTmpDir: "/tmp/host-tmp",
    };
  });
}

describe.skipIf(skip)(`a hostile package on a lab machine${skip ? ` — skipped: ${skip}` : ""}`, () => {
  let machine: LabMachine;
  beforeAll(async () => {
    machine = await LabMachine.boot({ hostname: "lab-escape" });
  }, 120_000);
  afterAll(async () => {
    await machine?.destroy();
  });

  for (const runtime of ["supervisor", "systemd"] as const) {
    describe(`user mode: the agent as ${LAB_USER.name}, runtime ${runtime}`, () => {
      let results: Map<string, KitResult>;
      let agent: LabAgent;
      beforeAll(async () => {
        agent = await installUserAgent(machine, { SYSWARD_RUNTIME: runtime, SYSWARD_HEALTH_SECONDS: "1" });
        results = await attack(machine, agent, AGENT_DATA_DIR);
      }, 120_000);
      afterAll(async () => {
        // The next runtime starts from nothing: no agent, none of its services (the supervisor's
        // outlive the agent in its cgroup, KillMode=process; systemd's are units), no data dir.
        await machine
          .sh(
            [
              "systemctl --user disable --now sysward-agent.service || true",
              "systemctl --user kill --signal=SIGKILL sysward-agent.service || true",
              "cd ~/.config/systemd/user",
              'for u in sysward-*.service; do [ "$u" = sysward-agent.service ] || { systemctl --user disable --now "$u"; rm -f "$u"; }; done',
              "systemctl --user daemon-reload",
              `rm -rf ${AGENT_DATA_DIR}`,
            ].join("\n"),
            { user: true },
          )
          .catch(() => undefined);
      });

      it("runs it sandboxed, as the agent reports", async () => {
        const info = await agent.client().agentInfo({});
        expect(info.runtime).toBe(runtime);
        expect(info.isolation).toMatchObject({ policy: "required", sandboxed: true, separateUsers: false });
        expect((await agent.client().getService({ name: "escape" })).service?.state).toBe(ServiceState.RUNNING);
      });
      itBlocksEveryAttack(() => results);
    });
  }

  describe("root mode: the agent from the system unit", () => {
    let results: Map<string, KitResult>;
    let agent: LabAgent;
    beforeAll(async () => {
      agent = await installSystemAgent(machine, { SYSWARD_HEALTH_SECONDS: "1" });
      results = await attack(machine, agent, SYSTEM_DATA_DIR);
    }, 120_000);

    it("runs it sandboxed under a uid of its own, as the agent reports", async () => {
      const info = await agent.client().agentInfo({});
      expect(info.isolation).toMatchObject({ policy: "required", sandboxed: true, separateUsers: true });
    });
    itBlocksEveryAttack(() => results);
  });
});
