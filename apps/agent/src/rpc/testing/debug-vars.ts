// The agent's /debug/vars as JSON, over its socket with its token.
import { http2Get } from "./raw-http2";
import type { TestAgent } from "./start-test-agent";

export async function debugVars(agent: TestAgent): Promise<Record<string, unknown>> {
  const res = await http2Get(agent.socketPath, "/debug/vars", { authorization: `Bearer ${agent.token}` });
  return JSON.parse(res.body) as Record<string, unknown>;
}
