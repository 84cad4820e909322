// The kill -9 matrix beyond installs (rpc/install-crash.integration.test.ts covers every install
// phase): the agent SIGKILLs itself (SYSWARD_TEST_CRASH_AT) in the middle of a remove, a
// rollback, a restart and a stop. After a restart there must be one consistent outcome — the
// operation done or not done, never half — with the supervised processes matching it, no
// staging or journal left, and the name unlocked; another service runs on through it all, with
// the same process.
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { ServiceState, type AgentService } from "@sysward/proto";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { installVia } from "../install/testing/install-via";
import { shellBodies, shellServiceZip } from "../install/testing/package-fixtures";
import { runningVersions } from "../install/testing/package-processes";
import { waitFor } from "../runtime/testing/wait-for";
import { agentGenerations } from "../rpc/testing/agent-generations";
import { OTHER_CRASH_POINTS } from "../install/install-steps";

type AgentClient = Client<typeof AgentService>;
const NAME = "svc";

interface KillCase {
  point: string;
  /** The call that reaches the crash point. */
  op: (c: AgentClient) => Promise<unknown>;
  /** What a restarted agent must show: the service gone, running `v1` or `v2`, or stopped. */
  outcome: "removed" | "v1" | "v2" | "stopped";
}

const CASES: KillCase[] = [
  { point: "remove-journaled", op: (c) => c.remove({ name: NAME }), outcome: "removed" },
  { point: "remove-stopped", op: (c) => c.remove({ name: NAME }), outcome: "removed" },
  { point: "remove-renamed", op: (c) => c.remove({ name: NAME }), outcome: "removed" },
  { point: "rollback-committed", op: (c) => c.rollback({ name: NAME }), outcome: "v1" },
  { point: "restart-stopped", op: (c) => c.restartService({ name: NAME }), outcome: "v2" },
  { point: "stop-recorded", op: (c) => c.stopService({ name: NAME }), outcome: "stopped" },
];

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (e: unknown) => Code[ConnectError.from(e).code]);

describe("kill -9 of the agent outside installs", () => {
  it("has a case for every crash point outside installs", ({ expect }) => {
    expect(CASES.map((c) => c.point).sort()).toEqual([...OTHER_CRASH_POINTS].sort());
  });

  it.for(CASES)("at $point: a restarted agent shows the service $outcome, consistently", async (c, { expect, onTestFinished }) => {
    const { dataDir, packagesDir, start } = agentGenerations(onTestFinished, "sysward-kill-");
    const pkg = join(packagesDir, NAME);

    // Two versions, v2 current and running; the crash point lies in the operation, not in installs.
    const crashing = await start({ SYSWARD_TEST_CRASH_AT: c.point });
    let client = crashing.client();
    // A bystander service: the supervisor's children outlive the agent, so it must run on untouched.
    const bystander = (await installVia(client, { name: "bystander", healthSeconds: 0 }, shellServiceZip("bystander", shellBodies.steady("b")))).service!;
    const bystanderPid = bystander.pids[0]!;
    const v1 = (await installVia(client, { name: NAME, healthSeconds: 0 }, shellServiceZip(NAME, shellBodies.steady("v1")))).service!.version!.id;
    const v2 = (await installVia(client, { name: NAME, healthSeconds: 0 }, shellServiceZip(NAME, shellBodies.steady("v2")))).service!.version!.id;
    await waitFor(() => runningVersions(packagesDir, NAME).join() === v2, "v2 running");

    const call = c.op(client).catch((e: unknown) => e);
    expect((await crashing.exited()).signal).toBe("SIGKILL");
    expect(await call).toBeInstanceOf(ConnectError);
    expect(alive(bystanderPid)).toBe(true); // while no agent runs at all

    const after = await start();
    client = after.client();
    const b = (await client.getService({ name: "bystander" })).service!;
    expect([b.state, b.pids]).toEqual([ServiceState.RUNNING, [bystanderPid]]);
    expect(readdirSync(join(dataDir, "staging"))).toEqual([]);
    expect(readdirSync(packagesDir).filter((n) => n.startsWith("."))).toEqual([]); // no half-deleted package
    if (c.outcome === "removed") {
      expect(await codeOf(client.getService({ name: NAME }))).toBe("NotFound");
      expect(existsSync(pkg)).toBe(false);
      await waitFor(() => runningVersions(packagesDir, NAME).length === 0, "no process of the removed service");
    } else {
      expect(existsSync(join(pkg, "journal.json"))).toBe(false);
      const svc = (await client.getService({ name: NAME })).service!;
      const want = c.outcome === "v1" ? v1 : v2;
      expect(svc.version?.id).toBe(want);
      expect(readlinkSync(join(pkg, "current"))).toBe(`versions/${want}`);
      if (c.outcome === "stopped") {
        expect(svc.enabled).toBe(false);
        await waitFor(() => runningVersions(packagesDir, NAME).length === 0, "the stopped service not running");
        expect((await client.getService({ name: NAME })).service?.state).toBe(ServiceState.STOPPED);
      } else {
        expect(svc.state).toBe(ServiceState.RUNNING);
        await waitFor(() => runningVersions(packagesDir, NAME).join() === want, `only ${want} running`);
      }
      // Still exactly that once the runtime has had a few housekeeping ticks.
      await new Promise((r) => setTimeout(r, 1000));
      expect(runningVersions(packagesDir, NAME)).toEqual(c.outcome === "stopped" ? [] : [want]);
    }

    // No lock is held: an install and a remove of the name go through.
    const again = await installVia(client, { name: NAME, healthSeconds: 0 }, shellServiceZip(NAME, shellBodies.steady("again")));
    expect(again.service?.state).toBe(ServiceState.RUNNING);
    await client.remove({ name: NAME });
    await waitFor(() => runningVersions(packagesDir, NAME).length === 0, "no process after remove");
  });
});
