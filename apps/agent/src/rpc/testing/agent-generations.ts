// Successive real agents on one data dir — the one before a crash, the one after the restart — for
// crash tests. When the test ends every agent is killed, the services they left running too, and
// the data dir is removed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killPackageProcesses } from "../../install/testing/package-processes";
import { removeSyswardUnits, testRuntime } from "../../runtime/systemd/test-support/test-units";
import { startTestAgent, type TestAgent } from "./start-test-agent";

export interface AgentGenerations {
  dataDir: string;
  packagesDir: string;
  /** Starts the next agent on the shared data dir. */
  start(env?: Record<string, string>): Promise<TestAgent>;
}

export function agentGenerations(onTestFinished: (fn: () => Promise<void>) => void, prefix: string): AgentGenerations {
  const dataDir = join(mkdtempSync(join(tmpdir(), prefix)), "data");
  const packagesDir = join(dataDir, "packages");
  const agents: TestAgent[] = [];
  onTestFinished(async () => {
    for (const a of agents) await a.kill();
    if (testRuntime() === "systemd") removeSyswardUnits();
    killPackageProcesses(packagesDir);
    rmSync(join(dataDir, ".."), { recursive: true, force: true });
  });
  return {
    dataDir,
    packagesDir,
    async start(env) {
      const a = await startTestAgent({ dataDir, env });
      agents.push(a);
      return a;
    },
  };
}
