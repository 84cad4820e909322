import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Runtime } from "./runtime";
import { selectRuntime } from "./select-runtime";
import { SystemdRuntime } from "./systemd/systemd-runtime";

const systemd = await SystemdRuntime.detect();

describe("selectRuntime", () => {
  let stateDir: string;
  let chosen: Runtime[];
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "sysward-select-"));
    chosen = [];
  });
  afterEach(async () => {
    for (const rt of chosen) await rt.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("honours an explicit supervisor preference", async () => {
    const { runtime, reason } = await selectRuntime({ preference: "supervisor", stateDir });
    chosen.push(runtime);
    expect(runtime.name).toBe("supervisor");
    expect(reason).toContain("configuration");
  });

  it("auto picks what this machine supports, and says why", async () => {
    const { runtime, reason } = await selectRuntime({ preference: "auto", stateDir });
    chosen.push(runtime);
    expect(runtime.name).toBe(systemd.available ? "systemd" : "supervisor");
    expect(reason).toContain(systemd.reason);
  });

  it.skipIf(systemd.available)(
    `explicit systemd without a user manager fails with FailedPrecondition${systemd.available ? " (skipped: this machine has a user manager)" : ""}`,
    async () => {
      await expect(selectRuntime({ preference: "systemd", stateDir })).rejects.toMatchObject({
        kind: "failed-precondition",
        message: expect.stringContaining(systemd.reason),
      });
    },
  );

  it.skipIf(!systemd.available)(
    `explicit systemd with a user manager picks systemd${systemd.available ? "" : ` (skipped: ${systemd.reason})`}`,
    async () => {
      const { runtime } = await selectRuntime({ preference: "systemd", stateDir });
      chosen.push(runtime);
      expect(runtime.name).toBe("systemd");
    },
  );
});
