// Test agents on the systemd runtime (SYSWARD_TEST_RUNTIME=systemd, inside a lab machine) leave
// their services as user units, which outlive the agent by design. The next test must start from
// none: every sysward-*.service of this user is stopped, disabled and removed.
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The runtime test agents run on: "supervisor" unless SYSWARD_TEST_RUNTIME says "systemd". */
export function testRuntime(): "supervisor" | "systemd" {
  return process.env.SYSWARD_TEST_RUNTIME === "systemd" ? "systemd" : "supervisor";
}

export function removeSyswardUnits(unitDir = join(homedir(), ".config", "systemd", "user")): void {
  let units: string[] = [];
  try {
    units = readdirSync(unitDir).filter((f) => /^sysward-.+\.service$/.test(f));
  } catch {
    return;
  }
  if (units.length === 0) return;
  const systemctl = (...args: string[]) => spawnSync("systemctl", ["--user", ...args], { stdio: "ignore", timeout: 30_000 });
  systemctl("disable", ...units);
  systemctl("kill", "--signal=SIGKILL", ...units);
  systemctl("stop", ...units);
  for (const u of units) rmSync(join(unitDir, u), { force: true });
  systemctl("daemon-reload");
  systemctl("reset-failed", ...units);
}
