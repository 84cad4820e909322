// Installs the agent on a lab machine the way apps/agent/packaging/README.md tells a user to: the
// packaging files under /opt/sysward, the user unit enabled with lingering, settings in
// ~/.config/sysward/agent.env. The bundle is the checkout's build (apps/agent/dist), linked in.
import type { Client } from "@connectrpc/connect";
import type { AgentService } from "@sysward/proto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createAgentClient } from "../../apps/agent/src/client/socket-transport";
import type { LabMachine } from "./machine";
import { LAB_USER, REPO_DIR } from "./settings";

const PACKAGING = join(REPO_DIR, "apps/agent/packaging");
const HOME = `/home/${LAB_USER.name}`;
/** The agent's data dir inside the machine (the default for the lab user). */
export const AGENT_DATA_DIR = `${HOME}/.local/share/sysward`;

export interface LabAgent {
  /** The agent's socket as the host reaches it (through the machine's root). */
  socketPath(): string;
  token(): string;
  client(): Client<typeof AgentService>;
  /** Waits until the agent answers AgentInfo (after a start, restart or reboot). */
  ready(timeoutMs?: number): Promise<void>;
  /** The agent's main pid inside the machine (0 when not running). */
  pid(): Promise<number>;
  /** The agent's journal, for failure messages. */
  journal(): Promise<string>;
}

/** The packaging files under /opt/sysward, as a package or tarball would lay them out. */
export async function installAgentFiles(machine: LabMachine): Promise<void> {
  if (!existsSync(join(REPO_DIR, "apps/agent/dist/agent.mjs"))) throw new Error("lab: build the agent first (npm run build -w @sysward/agent)");
  await machine.sh(
    [
      "install -d /opt/sysward/bin /opt/sysward/systemd",
      `install -m 0755 ${PACKAGING}/bin/sysward-agent /opt/sysward/bin/sysward-agent`,
      `cp -r ${PACKAGING}/systemd/user ${PACKAGING}/systemd/system /opt/sysward/systemd/`,
      `cp ${PACKAGING}/README.md /opt/sysward/README.md`,
      `ln -sfn ${REPO_DIR}/apps/agent/dist /opt/sysward/lib`,
    ].join("\n"),
  );
}

/** The README's user-mode steps, as the lab user; `env` goes to ~/.config/sysward/agent.env. */
export async function installUserAgent(machine: LabMachine, env: Record<string, string> = {}): Promise<LabAgent> {
  await installAgentFiles(machine);
  await machine.sh(`loginctl enable-linger ${LAB_USER.name}`);
  await machine.sh(
    [
      "mkdir -p ~/.config/systemd/user ~/.config/sysward",
      "install -m 0644 /opt/sysward/systemd/user/sysward-agent.service ~/.config/systemd/user/",
      `cat > ~/.config/sysward/agent.env <<'ENV'\n${Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n")}\nENV`,
      "systemctl --user daemon-reload",
      "systemctl --user enable --now sysward-agent.service",
    ].join("\n"),
    { user: true },
  );
  const agent = labAgent(machine);
  await agent.ready();
  return agent;
}

/** The README's root-mode steps: the system unit, data in /var/lib/sysward. */
export async function installSystemAgent(machine: LabMachine, env: Record<string, string> = {}): Promise<LabAgent> {
  await installAgentFiles(machine);
  await machine.sh(
    [
      "install -m 0644 /opt/sysward/systemd/system/sysward-agent.service /etc/systemd/system/",
      "install -d -m 0700 /etc/sysward",
      `cat > /etc/sysward/agent.env <<'ENV'\n${Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n")}\nENV`,
      "systemctl daemon-reload",
      "systemctl enable --now sysward-agent.service",
    ].join("\n"),
  );
  const agent = labAgent(machine, SYSTEM_DATA_DIR, { user: false });
  await agent.ready();
  return agent;
}

export const SYSTEM_DATA_DIR = "/var/lib/sysward";

export function labAgent(machine: LabMachine, dataDir = AGENT_DATA_DIR, unit = { user: true }): LabAgent {
  let cached: { token: string; client: Client<typeof AgentService>; socket: string } | undefined;
  const systemctl = (args: string[]) => machine.exec(["systemctl", ...(unit.user ? ["--user"] : []), ...args], { user: unit.user });
  const self: LabAgent = {
    socketPath: () => machine.path(`${dataDir}/agent.sock`),
    token: () => readFileSync(machine.path(`${dataDir}/agent.token`), "utf8").trim(),
    client() {
      // The host path goes through the init's pid: a new client after every boot.
      if (!cached || cached.socket !== self.socketPath()) {
        const token = self.token();
        cached = { token, socket: self.socketPath(), client: createAgentClient(self.socketPath(), token) };
      }
      return cached.client;
    },
    async ready(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last: unknown;
      for (;;) {
        try {
          if (existsSync(self.socketPath())) {
            await self.client().agentInfo({});
            return;
          }
        } catch (e) {
          last = e;
        }
        if (Date.now() > deadline) throw new Error(`lab: the agent on ${machine.hostname} did not answer within ${timeoutMs} ms (${String(last)}):\n${await self.journal()}`);
        await sleep(200);
      }
    },
    async pid() {
      const r = await systemctl(["show", "-p", "MainPID", "--value", "sysward-agent.service"]);
      return Number(r.stdout.trim()) || 0;
    },
    async journal() {
      const r = await machine.exec(["journalctl", ...(unit.user ? ["--user"] : []), "-u", "sysward-agent.service", "--no-pager", "-n", "60", "-o", "cat"], { user: unit.user });
      return r.stdout + r.stderr;
    },
  };
  return self;
}
