// The fleet monitor with the settings it ships with (a sample every 5 s, PINGs after 2 s of
// silence): a frozen agent — its socket open, nothing coming — is still marked down within 5 s.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import { setupConsoleTestEnv } from "../testing/console-test-env";
import { getFleetMonitor, stopFleetMonitor } from "./fleet";

const env = setupConsoleTestEnv();
let agent: TestAgent;
beforeAll(async () => {
  agent = await env.startAgent();
});
afterAll(async () => {
  await stopFleetMonitor();
  await env.cleanup();
});

it("marks a frozen agent down within 5 s at the default sample rate, and up when it thaws", async () => {
  const reach = () => getFleetMonitor().get("local")?.reach;
  await expect.poll(reach, { timeout: 15_000 }).toBe("up");
  // Just after a sample: the longest silence the PING has to notice.
  await expect.poll(() => getFleetMonitor().get("local")?.perf?.t ?? 0, { timeout: 15_000 }).toBeGreaterThan(Date.now() - 300);
  process.kill(agent.process.pid!, "SIGSTOP");
  const frozenAt = Date.now();
  try {
    await expect.poll(reach, { timeout: 5000, interval: 20 }).toBe("down");
    expect(Date.now() - frozenAt).toBeLessThan(5000);
  } finally {
    process.kill(agent.process.pid!, "SIGCONT");
  }
  await expect.poll(reach, { timeout: 15_000 }).toBe("up");
});
