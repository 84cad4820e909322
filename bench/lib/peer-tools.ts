// The benchmarks' peer tools, installed with apt-get when missing (the machine is Debian; we are root).
import { spawnSync } from "node:child_process";

/** Binary → the Debian package that ships it. */
const TOOLS: Record<string, string> = {
  "prometheus-node-exporter": "prometheus-node-exporter",
  wrk: "wrk",
  h2load: "nghttp2-client",
  hyperfine: "hyperfine",
  unzip: "unzip",
  zip: "zip",
  curl: "curl",
};

function hasBinary(bin: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" }).status === 0;
}

export function ensurePeerTools(log: (line: string) => void): void {
  const missing = Object.entries(TOOLS).filter(([bin]) => !hasBinary(bin));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  log(`installing ${packages.join(", ")} with apt-get (missing: ${missing.map(([b]) => b).join(", ")})`);
  const apt = (args: string[]) =>
    spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, timeout: 600_000 });
  const update = apt(["update", "-qq"]);
  const install = update.status === 0 ? apt(["install", "-y", "-qq", "--no-install-recommends", ...packages]) : update;
  const still = missing.filter(([bin]) => !hasBinary(bin));
  if (install.status !== 0 || still.length) {
    throw new Error(
      `could not install ${packages.join(" ")} (apt-get exited ${install.status}); ` +
        `install them by hand (as root: apt-get install ${packages.join(" ")}) and run again`,
    );
  }
}
