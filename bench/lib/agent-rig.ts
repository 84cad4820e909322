// The real, bundled agent (apps/agent/dist/agent.mjs, as `npm start -w @sysward/agent` runs it)
// on a benchmark data dir, with a client on its Unix socket.
import type { Client } from "@connectrpc/connect";
import type { AgentService } from "@sysward/proto";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { agentNodeFlags } from "../../apps/agent/node-flags.mjs";
import { createAgentClient } from "../../apps/agent/src/client/socket-transport";
import { agentDir } from "./paths";
import { processesWithEnv } from "./proc-stats";
import type { ProcessSet, Tracked } from "./processes";

export interface AgentRig {
  proc: Tracked;
  pid: number;
  dataDir: string;
  socketPath: string;
  token: string;
  client: Client<typeof AgentService>;
  /** Removes every service, then stops the agent and anything it left running. */
  stop(): Promise<void>;
}

export interface AgentRigOptions {
  dataDir: string;
  env?: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Instead of the agent's own node flags (apps/agent/node-flags.mjs), e.g. to measure other V8 flags. */
  agentFlags?: string[];
  /** Another agent bundle to measure (a candidate fix); default apps/agent/dist/agent.mjs. */
  bundle?: string;
  /** Run src/main.ts under tsx instead of the bundle (profiles then name each package's files). */
  fromSource?: boolean;
  /** Log file name suffix, when several agents run. */
  label?: string;
}

/** `npm run build -w @sysward/agent` (esbuild, about a second). */
export function buildAgent(): void {
  const r = spawnSync("npm", ["run", "build", "-w", "@sysward/agent", "--silent"], { cwd: join(agentDir, "../.."), stdio: "inherit", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`npm run build -w @sysward/agent failed (exit ${r.status})`);
}

export async function startAgentRig(procs: ProcessSet, o: AgentRigOptions): Promise<AgentRig> {
  const entry = o.fromSource ? ["--import", "tsx", join(agentDir, "src/main.ts")] : [...(o.agentFlags ?? agentNodeFlags), o.bundle ?? join(agentDir, "dist/agent.mjs")];
  const proc = procs.spawn(o.label ? `agent-${o.label}` : "agent", process.execPath, [...(o.nodeFlags ?? []), ...entry], {
    cwd: agentDir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/root",
      SYSWARD_DATA_DIR: o.dataDir,
      ...o.env,
    },
  });
  await proc.waitForOutput(/"msg":"agent ready"/, 30_000);
  const socketPath = join(o.dataDir, "agent.sock");
  const token = readFileSync(join(o.dataDir, "agent.token"), "utf8").trim();
  const client = createAgentClient(socketPath, token, "connect");
  return {
    proc,
    pid: proc.pid,
    dataDir: o.dataDir,
    socketPath,
    token,
    client,
    async stop() {
      if (proc.running()) {
        try {
          const { services } = await client.listServices({}, { timeoutMs: 5000 });
          for (const s of services) await client.remove({ name: s.name }, { timeoutMs: 30_000 }).catch(() => {});
        } catch {
          /* the agent is not answering: the sweep below still runs */
        }
      }
      await proc.stop();
      // Services run in their own sessions and outlive the agent by design: sweep any left.
      for (const pid of processesWithEnv(`SYSWARD_STATE_DIR=${o.dataDir}/`)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    },
  };
}
