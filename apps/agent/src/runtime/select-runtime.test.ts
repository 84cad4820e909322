// The choice between runtimes, with the systemd detection injected: both answers are tested on
// any machine, whether or not it runs a systemd user manager.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Runtime } from "./runtime";
import { selectRuntime } from "./select-runtime";
import { SystemdRuntime } from "./systemd/systemd-runtime";
import type { Detection } from "./systemd/user-manager";

const FOUND: Detection = { available: true, reason: "the user manager answers: running", mode: "user" };
const PID1: Detection = { available: true, reason: "systemd system manager (PID 1) is running", mode: "system" };
const MISSING: Detection = { available: false, reason: "no systemd user manager on the bus" };

describe("selectRuntime", () => {
  let stateDir: string;
  let chosen: Runtime[];
  let detections: number;
  const detect = (answer: Detection) => async () => {
    detections++;
    return answer;
  };
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "sysward-select-"));
    chosen = [];
    detections = 0;
  });
  afterEach(async () => {
    for (const rt of chosen) await rt.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("honours an explicit supervisor preference without looking for systemd", async () => {
    const { runtime, reason } = await selectRuntime({ preference: "supervisor", stateDir, detectSystemd: detect(FOUND) });
    chosen.push(runtime);
    expect(runtime.name).toBe("supervisor");
    expect(reason).toMatch(/^supervisor chosen by configuration; /);
    expect(detections).toBe(0);
  });

  it("auto picks systemd where a user manager answers, and says why", async () => {
    const { runtime, reason } = await selectRuntime({ preference: "auto", stateDir, detectSystemd: detect(FOUND) });
    chosen.push(runtime);
    expect(runtime.name).toBe("systemd");
    expect(reason).toBe(`auto: a systemd user manager is reachable (${FOUND.reason}); sandboxed: ${runtime.isolation.detail}`);
    expect(runtime.isolation.separateUsers).toBe(false);
    expect(detections).toBe(1);
  });

  it("auto picks systemd's system manager for a root agent on a host where systemd is PID 1: a uid of its own per service", async () => {
    const { runtime, reason } = await selectRuntime({
      preference: "auto",
      stateDir,
      hiddenPaths: ["/var/lib/sysward"],
      systemd: { setpriv: "/usr/bin/setpriv" },
      detectSystemd: detect(PID1),
    });
    chosen.push(runtime);
    expect(runtime).toBeInstanceOf(SystemdRuntime);
    expect((runtime as SystemdRuntime).mode).toBe("system");
    expect(runtime.isolation).toMatchObject({ sandboxed: true, separateUsers: true });
    expect(reason).toMatch(/^auto: a systemd system manager is reachable \(systemd system manager \(PID 1\) is running\); sandboxed: .*uid of its own/);
  });

  it("auto falls back to the supervisor without one, and says why", async () => {
    const { runtime, reason } = await selectRuntime({ preference: "auto", stateDir, detectSystemd: detect(MISSING) });
    chosen.push(runtime);
    expect(runtime.name).toBe("supervisor");
    expect(reason).toMatch(new RegExp(`^auto: ${MISSING.reason}, so the agent supervises services itself; `));
  });

  it("explicit systemd with a user manager picks systemd", async () => {
    const { runtime, reason } = await selectRuntime({ preference: "systemd", stateDir, detectSystemd: detect(FOUND) });
    chosen.push(runtime);
    expect(runtime.name).toBe("systemd");
    expect(reason).toBe(`systemd chosen by configuration (${FOUND.reason}); sandboxed: ${runtime.isolation.detail}`);
  });

  it("explicit systemd without a user manager fails with a failed-precondition error and the reason", async () => {
    await expect(selectRuntime({ preference: "systemd", stateDir, detectSystemd: detect(MISSING) })).rejects.toMatchObject({
      kind: "failed-precondition",
      message: expect.stringContaining(MISSING.reason),
    });
  });
});
