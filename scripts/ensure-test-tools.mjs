// What the tests need from Debian besides Chromium (scripts/ensure-chromium.mjs): bubblewrap, so the
// supervisor's sandbox suites run, openssh-server (its service never started: the SSH tests run
// sshd themselves) for the SSH transport's tests, python3-aiosmtpd for the email channel's tests,
// and for the lab (lab/, Debian machines booted with
// systemd-nspawn) systemd-container, debootstrap and iproute2; then the lab's machine image, built
// once and cached. Outside CI a host that cannot (not root) is told why and those tests skip; in CI
// this failing fails the run.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";

// openssh-server: the SSH transport's lab test copies the host's sshd into a machine, and
// e2e/ssh-machine.spec.ts runs it on 127.0.0.1 with a config of its own (e2e/support/sshd.ts).
// python3-aiosmtpd: the real SMTP server the email alert channel's tests send to (Debian's
// python, not a pyenv one that may come first on PATH).
const NEEDED = [["bwrap", "bubblewrap"], ["systemd-nspawn", "systemd-container"], ["debootstrap", "debootstrap"], ["ip", "iproute2"], ["/usr/sbin/sshd", "openssh-server"], ["/usr/bin/python3 -c 'import aiosmtpd'", "python3-aiosmtpd"]];
const has = (cmd) => spawnSync("sh", ["-c", cmd.includes(" ") ? cmd : cmd.startsWith("/") ? `test -x ${cmd}` : `command -v ${cmd}`]).status === 0;
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
  // Packages that ship a daemon (openssh-server) must not start it on this host: only the tests run
  // sshd, each its own instance, and end it. policy-rc.d answering 101 is Debian's way to say "start nothing".
  const policy = "/usr/sbin/policy-rc.d";
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  try {
    execFileSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], { stdio: "inherit", env });
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}
const r = spawnSync("npx", ["tsx", "lab/build-image.ts"], { stdio: "inherit" });
process.exit(r.status ?? 1);
