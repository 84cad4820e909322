import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      // "server-only" throws outside React Server Components; under Vitest the console's
      // server modules run in plain Node, which is exactly where they belong.
      "server-only": fileURLToPath(new URL("./node_modules/server-only/empty.js", import.meta.url)),
      // The console's "@/…" path alias (apps/console/tsconfig.json), for route modules under test.
      "@": fileURLToPath(new URL("./apps/console", import.meta.url)),
    },
  },
  test: {
    include: ["packages/*/src/**/*.test.ts", "apps/agent/src/**/*.test.ts", "apps/agent/packaging/**/*.test.ts", "apps/cli/src/**/*.test.ts", "apps/console/**/*.test.ts", "bench/**/*.test.ts", "scripts/**/*.test.ts", "lab/**/*.test.ts"],
    // *.lab.test.ts need a real systemd host: they run inside a lab machine (lab/inner-vitest.config.ts).
    exclude: ["**/node_modules/**", "**/.next/**", "**/dist/**", "**/*.lab.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real processes and sockets: modest parallelism on a 2-core machine.
    pool: "forks",
    maxWorkers: 2,
  },
});
