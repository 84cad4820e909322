// End-to-end suite: Debian's Chromium against the real agent and the real console (production
// build) on a fresh temp dir. See e2e/README.md for the rig.
import { defineConfig, devices } from "@playwright/test";
import { fileURLToPath } from "node:url";
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from "./e2e/support/chromium";
import { defineStack } from "./e2e/support/stack-settings";

// Runs in the runner first (choosing the temp dir, port and password) and again in every worker,
// which inherits the runner's env and so reads the same values.
const stack = defineStack();
const outputDir = "test-results/e2e";

export default defineConfig({
  testDir: "e2e",
  outputDir,
  // Install/remove specs change the one shared agent; two workers keep the wall time low without
  // crowding a 2-core machine that also runs the console, the agent and Chromium.
  workers: 2,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // `npm test` sets PLAYWRIGHT_JSON_OUTPUT_NAME (scripts/test.mjs reads the report); the same file
  // by default, so the JSON never floods the terminal.
  reporter: [["list"], ["json", { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME || "test-results/playwright.json" }]],
  use: {
    baseURL: stack.baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: { executablePath: CHROMIUM_EXECUTABLE, args: CHROMIUM_ARGS },
      },
    },
  ],
  webServer: {
    // `exec` so the launcher itself receives Playwright's SIGTERM and can clean up.
    command: "exec node e2e/support/start-stack.mjs",
    url: `${stack.baseURL}/api/healthz`,
    reuseExistingServer: false,
    // The first run of a clean clone builds the agent and the console first.
    timeout: 240_000,
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
    stdout: "pipe",
    stderr: "pipe",
    env: {
      SYSWARD_E2E_LOG_DIR: fileURLToPath(new URL(`${outputDir}/stack`, import.meta.url)),
      SYSWARD_DATA_DIR: stack.agentDataDir,
      SYSWARD_CONSOLE_DATA_DIR: stack.consoleDataDir,
      SYSWARD_ADMIN_PASSWORD: stack.adminPassword,
      SYSWARD_CONSOLE_HOST: "127.0.0.1",
      PORT: String(stack.port),
      // Fast samples and a short health window keep the specs quick.
      SYSWARD_PERF_INTERVAL_MS: "500",
      SYSWARD_HEALTH_SECONDS: "2",
      SYSWARD_RUNTIME: "supervisor",
    },
  },
});
