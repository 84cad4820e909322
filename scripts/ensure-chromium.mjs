// Playwright drives Debian's Chromium (browser downloads are impossible here): install it when missing.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = "/usr/bin/chromium";
if (!existsSync(CHROMIUM)) {
  console.log(`${CHROMIUM} is missing: installing Debian's chromium with apt-get (needs root)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-q"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", "chromium"], { stdio: "inherit", env });
}
if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is still missing after apt-get; the e2e suite cannot run.`);
  process.exit(1);
}
