// Ten (or n) tiny services that stay up doing nothing, so the agent's per-service collection has
// real process trees to read.
import type { Client } from "@connectrpc/connect";
import { ServiceState, type AgentService } from "@sysward/proto";
import { installVia } from "../../apps/agent/src/install/testing/install-via";
import { shellServiceZip } from "../../apps/agent/src/install/testing/package-fixtures";

export async function installIdleServices(client: Client<typeof AgentService>, n: number): Promise<string[]> {
  const names = Array.from({ length: n }, (_, i) => `idle${i}`);
  for (const name of names) {
    const res = await installVia(client, { name, healthSeconds: 0 }, shellServiceZip(name, "exec sleep 2147483647"));
    if (res.service?.state !== ServiceState.RUNNING) throw new Error(`idle service ${name} is ${res.service?.state}, not running`);
  }
  return names;
}
