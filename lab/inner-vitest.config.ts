// The suites `npm test` runs INSIDE a lab machine. As its lingering user, with test agents on the
// systemd runtime (lab/run-inner-suite.ts sets SYSWARD_TEST_RUNTIME=systemd): the systemd runtime's
// conformance suite live on user units, and the kill -9 matrices. Then as root
// (SYSWARD_LAB_INNER_AS=root): the systemd runtime's suites again, on system units. One file at a
// time: test agents share one manager, and unit names are per manager.
import { defineConfig } from "vitest/config";
import base from "../vitest.config";

export const INNER_SUITES = [
  "apps/agent/src/runtime/systemd/*.test.ts",
  "apps/agent/src/reliability/kill-matrix.integration.test.ts",
  "apps/agent/src/rpc/install-crash.integration.test.ts",
];

/** As root: the systemd runtime's suites (the kill matrices' test agents run as the lab user). */
export const INNER_ROOT_SUITES = ["apps/agent/src/runtime/systemd/*.test.ts"];

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: process.env.SYSWARD_LAB_INNER_AS === "root" ? INNER_ROOT_SUITES : INNER_SUITES,
    exclude: ["**/node_modules/**", "**/dist/**"],
    fileParallelism: false,
    maxWorkers: 1,
  },
});
