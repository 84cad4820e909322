// Crash safety: the agent SIGKILLs itself (SYSWARD_TEST_CRASH_AT) at each install phase; a
// restarted agent must leave exactly one consistent version running, no staging files, no
// journal, and the name unlocked.
import { Code, ConnectError } from "@connectrpc/connect";
import { ServiceState } from "@sysward/proto";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { shellBodies, shellServiceZip } from "../install/testing/package-fixtures";
import { runningVersions } from "../install/testing/package-processes";
import { waitFor } from "../runtime/testing/wait-for";
import { installVia } from "../install/testing/install-via";
import { agentGenerations } from "./testing/agent-generations";
import { INSTALL_CRASH_POINTS } from "../install/install-steps";

interface CrashCase {
  phase: string;
  /** What the second install sends. */
  next: "good" | "broken";
  /** No earlier version: the crashing install is the first one. */
  first: boolean;
  /** What must run after the restart. */
  survivor: "old" | "new" | "nothing";
}

const CASES: CrashCase[] = [
  { phase: "receiving", next: "good", first: false, survivor: "old" },
  { phase: "verifying", next: "good", first: false, survivor: "old" },
  { phase: "starting", next: "good", first: false, survivor: "old" },
  { phase: "health", next: "good", first: false, survivor: "old" },
  { phase: "running", next: "good", first: false, survivor: "new" },
  { phase: "rolled-back", next: "broken", first: false, survivor: "old" },
  { phase: "failed", next: "broken", first: true, survivor: "nothing" },
  { phase: "health", next: "good", first: true, survivor: "nothing" },
];

const NAME = "svc";

// Cases run one after another: each starts three agents, and in parallel they only fight
// over the CPU (measured: no faster on two cores).
describe("kill -9 of the agent during an install", () => {
  it("has a case for every crash point of the install's table of steps", ({ expect }) => {
    expect(new Set(CASES.map((c) => c.phase))).toEqual(new Set(INSTALL_CRASH_POINTS));
  });

  // Two agent starts and a kill: ~10 s alone, up to 3× that on a busy 2-core machine.
  it.for(CASES)("at phase $phase (first install: $first) leaves $survivor running after a restart", { timeout: 60_000 }, async (c, { expect, onTestFinished }) => {
    const { dataDir, packagesDir, start } = agentGenerations(onTestFinished, "sysward-crash-");

    let oldId: string | undefined;
    if (!c.first) {
      const a = await start();
      const res = await installVia(a.client(), { name: NAME, healthSeconds: 0 }, shellServiceZip(NAME, shellBodies.steady("old")));
      oldId = res.service!.version!.id;
      await a.stop(); // supervised services outlive the agent
    }

    const crashing = await start({ SYSWARD_TEST_CRASH_AT: c.phase });
    const zip = shellServiceZip(NAME, c.next === "good" ? shellBodies.steady("new") : shellBodies.broken("new", 3, 4));
    const call = installVia(crashing.client(), { name: NAME, healthSeconds: 1 }, zip, 512).catch((e: unknown) => e);
    expect((await crashing.exited()).signal).toBe("SIGKILL");
    expect(await call).toBeInstanceOf(ConnectError);

    const after = await start();
    const client = after.client();
    expect(readdirSync(join(dataDir, "staging"))).toEqual([]);

    if (c.survivor === "nothing") {
      expect(await client.getService({ name: NAME }).catch((e: unknown) => ConnectError.from(e).code)).toBe(Code.NotFound);
      expect(existsSync(join(packagesDir, NAME))).toBe(false);
      await waitFor(() => runningVersions(packagesDir, NAME).length === 0, "no process of the failed first install");
    } else {
      const svc = (await client.getService({ name: NAME })).service!;
      const expected = c.survivor === "old" ? oldId! : svc.version!.id;
      if (c.survivor === "new") expect(expected).toMatch(/^2-/);
      expect(svc.version?.id).toBe(expected);
      expect(svc.state).toBe(ServiceState.RUNNING);
      await waitFor(() => runningVersions(packagesDir, NAME).join() === expected, `only ${expected} running`);
      const pkg = join(packagesDir, NAME);
      expect(readlinkSync(join(pkg, "current"))).toBe(`versions/${expected}`);
      expect(existsSync(join(pkg, "journal.json"))).toBe(false);
      const versions = readdirSync(join(pkg, "versions")).sort();
      expect(versions).toEqual(c.survivor === "old" ? [oldId] : [oldId, expected].sort());
      // Still exactly one version once the runtime has had a few housekeeping ticks.
      await new Promise((r) => setTimeout(r, 1200));
      expect(runningVersions(packagesDir, NAME)).toEqual([expected]);
    }

    // The name is unlocked: another install goes through, and so does a remove.
    const again = await installVia(client, { name: NAME, healthSeconds: 0 }, shellServiceZip(NAME, shellBodies.steady("again")));
    expect(again.service?.state).toBe(ServiceState.RUNNING);
    await client.remove({ name: NAME });
    await waitFor(() => runningVersions(packagesDir, NAME).length === 0, "no process after remove");
    expect((await client.getService({ name: NAME }).catch((e: unknown) => ConnectError.from(e).code))).toBe(Code.NotFound);
  });
});
