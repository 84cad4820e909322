import { homedir } from "node:os";
import { join } from "node:path";
import { describeRuntimeConformance } from "../testing/runtime-conformance";
import { SystemdRuntime } from "./systemd-runtime";

// Live tests need a systemd user manager for our uid; CI containers (systemd not PID 1) have none.
const detection = await SystemdRuntime.detect();

describeRuntimeConformance("systemd", () => new SystemdRuntime({ unit: { restartSec: 0.2, startLimitBurst: 50 } }), {
  // Units get a private /tmp, so test packages live under the home directory instead.
  baseDir: join(homedir(), ".cache", "sysward-runtime-tests"),
  exactStreams: false,
  keepsCleanExitStatus: false,
  noRestartWatchMs: 1_000,
  ...(detection.available ? {} : { skip: detection.reason }),
});
