import "server-only";
// Several REAL agents registered as machines of one console, each on its own data dir and
// labelled, and waited for until the fleet monitor sees them up: what rollout tests run against.
import { startTestAgent, type TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import { registerAgent } from "../agents/registry";
import { getFleetMonitor } from "../fleet/fleet";
import { editLabels } from "../fleet/labels";

export interface LabelledAgent {
  id: string;
  dataDir: string;
}

export async function startLabelledAgents(hosts: LabelledAgent[], labels: Record<string, string>, env: Record<string, string> = {}): Promise<Map<string, TestAgent>> {
  const agents = new Map<string, TestAgent>();
  for (const h of hosts) {
    const a = await startTestAgent({ dataDir: h.dataDir, env });
    agents.set(h.id, a);
    registerAgent({ id: h.id, name: h.id, address: `unix://${a.socketPath}`, credential: { kind: "token", token: a.token } });
    editLabels(h.id, { set: labels, remove: [] });
  }
  const deadline = Date.now() + 20_000;
  while (!hosts.every((h) => getFleetMonitor().get(h.id)?.reach === "up")) {
    if (Date.now() > deadline) throw new Error(`the fleet monitor did not see ${hosts.map((h) => h.id).join(", ")} up`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return agents;
}

/** Removes every service (they outlive their agent by design), stops the agents, removes their dirs. */
export async function stopLabelledAgents(agents: Iterable<TestAgent>): Promise<void> {
  for (const a of agents) {
    const services = await a.client().listServices({}).then((r) => r.services, () => []);
    for (const s of services) await a.client().remove({ name: s.name }).catch(() => {});
    await a.stop().catch(() => a.kill());
    a.cleanup();
  }
}
