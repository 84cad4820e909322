// What the tests need from Debian besides Chromium (scripts/ensure-chromium.mjs): bubblewrap, so the
// supervisor's sandbox suites run, and for the lab (lab/, Debian machines booted with
// systemd-nspawn) systemd-container, debootstrap and iproute2; then the lab's machine image, built
// once and cached. Outside CI a host that cannot (not root) is told why and those tests skip; in CI
// this failing fails the run.
import { execFileSync, spawnSync } from "node:child_process";

const NEEDED = [["bwrap", "bubblewrap"], ["systemd-nspawn", "systemd-container"], ["debootstrap", "debootstrap"], ["ip", "iproute2"]];
const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const missing = NEEDED.filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg);
const ci = process.env.CI === "true";

if (process.getuid?.() !== 0) {
  console.log("lab: not root — the lab cannot boot machines here" + (ci ? "" : "; its tests skip and say why"));
  process.exit(ci ? 1 : 0);
}
if (missing.length) {
  console.log(`test tools: installing ${missing.join(", ")} with apt-get…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-q"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], { stdio: "inherit", env });
}
const r = spawnSync("npx", ["tsx", "lab/build-image.ts"], { stdio: "inherit" });
process.exit(r.status ?? 1);
