// Can this host run lab machines? Root, systemd-nspawn, debootstrap and ip. `npm test` installs the
// packages first (scripts/ensure-test-tools.mjs). Outside CI a host without them skips the lab tests
// with this reason; in CI (CI=true) the lab must run, so there is no reason to skip: tests go on and
// fail with what went wrong.
import { spawnSync } from "node:child_process";

const TOOLS: Array<[command: string, pkg: string]> = [
  ["systemd-nspawn", "systemd-container"],
  ["debootstrap", "debootstrap"],
  ["ip", "iproute2"],
];

/** Why lab tests cannot run here, or undefined when they can (always undefined in CI). */
export function labSkipReason(): string | undefined {
  if (process.env.CI === "true" || process.env.SYSWARD_LAB === "required") return undefined;
  if (process.platform !== "linux") return "the lab needs Linux";
  if (process.getuid?.() !== 0) return "the lab needs root (systemd-nspawn, network namespaces)";
  const missing = TOOLS.filter(([cmd]) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status !== 0).map(([, pkg]) => pkg);
  if (missing.length) return `the lab needs ${missing.join(", ")} (npm test installs them; or apt-get install -y ${missing.join(" ")})`;
  return undefined;
}
