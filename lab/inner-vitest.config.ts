// The suites `npm test` runs INSIDE a lab machine, as its lingering user, with test agents on the
// systemd runtime (lab/run-inner-suite.ts sets SYSWARD_TEST_RUNTIME=systemd): the systemd runtime's
// conformance suite live, and the kill -9 matrices. One file at a time: test agents share one user
// manager, and unit names are per user.
import { defineConfig } from "vitest/config";
import base from "../vitest.config";

export const INNER_SUITES = [
  "apps/agent/src/runtime/systemd/*.test.ts",
  "apps/agent/src/reliability/kill-matrix.integration.test.ts",
  "apps/agent/src/rpc/install-crash.integration.test.ts",
];

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: INNER_SUITES,
    exclude: ["**/node_modules/**", "**/dist/**"],
    fileParallelism: false,
    maxWorkers: 1,
  },
});
