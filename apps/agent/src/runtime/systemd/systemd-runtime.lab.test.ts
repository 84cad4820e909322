import { homedir } from "node:os";
import { join } from "node:path";
import type { StartLimit } from "../start-limit";
import { describeRuntimeConformance } from "../testing/runtime-conformance";
import { SystemdRuntime } from "./systemd-runtime";

// Live tests need a systemd user manager for our uid: `npm test` runs this file inside a lab
// machine (lab/run-inner-suite.ts) as its lingering user, where one must answer (SYSWARD_LAB_INNER).
// Run anywhere else without a user manager, the suite skips and says why.
const detection = await SystemdRuntime.detect();
if (!detection.available && process.env.SYSWARD_LAB_INNER === "1") throw new Error(`inside the lab machine, yet ${detection.reason}`);

// Fast restarts; a start limit far out of the way unless a test asks for one.
const makeSystemd = ({ startLimit }: { startLimit?: StartLimit }) =>
  new SystemdRuntime({
    unit: { restartSec: 0.2, startLimitBurst: startLimit?.burst ?? 50, ...(startLimit ? { startLimitIntervalSec: startLimit.intervalMs / 1000 } : {}) },
  });

describeRuntimeConformance("systemd", makeSystemd, {
  // Units get a private /tmp, so test packages live under the home directory instead.
  baseDir: join(homedir(), ".cache", "sysward-runtime-tests"),
  exactStreams: false,
  keepsCleanExitStatus: false,
  noRestartWatchMs: 1_000,
  ...(detection.available ? {} : { skip: detection.reason }),
});
