import { homedir } from "node:os";
import { join } from "node:path";
import type { StartLimit } from "../start-limit";
import { describeRuntimeConformance } from "../testing/runtime-conformance";
import { SystemdRuntime } from "./systemd-runtime";

// Live tests need a systemd user manager for our uid; CI containers (systemd not PID 1) have none.
const detection = await SystemdRuntime.detect();

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
