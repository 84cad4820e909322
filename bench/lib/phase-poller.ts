// Watches an install's phases from outside: polls GetService on the agent's socket and notes
// when each phase was first seen, relative to `t0`. The console's upload route polls the same
// way (every 400 ms); this polls every `everyMs`. Until "receiving" is seen the service still
// shows the previous install's last phase, so nothing is noted before it.
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { InstallPhase, type AgentService } from "@sysward/proto";

export type PhaseTimes = Partial<Record<"receiving" | "verifying" | "starting" | "health" | "running", number>>;

const NAMES: Partial<Record<InstallPhase, keyof PhaseTimes>> = {
  [InstallPhase.RECEIVING]: "receiving",
  [InstallPhase.VERIFYING]: "verifying",
  [InstallPhase.STARTING]: "starting",
  [InstallPhase.HEALTH]: "health",
  [InstallPhase.RUNNING]: "running",
};

export function pollPhases(client: Client<typeof AgentService>, name: string, t0: number, everyMs = 100): { stop(): Promise<PhaseTimes> } {
  const seen: PhaseTimes = {};
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const { service } = await client.getService({ name }, { timeoutMs: 2000 });
        const phase = service?.phase === undefined ? undefined : NAMES[service.phase];
        if (phase && (phase === "receiving" || seen.receiving !== undefined) && seen[phase] === undefined) seen[phase] = performance.now() - t0;
      } catch (err) {
        if (ConnectError.from(err).code !== Code.NotFound) throw err;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return seen;
    },
  };
}
