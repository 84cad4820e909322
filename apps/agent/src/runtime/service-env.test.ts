import { describe, expect, it } from "vitest";
import type { ServiceSpec } from "./runtime";
import { serviceEnv } from "./service-env";

const spec: ServiceSpec = {
  name: "demo",
  versionId: "1-abcdef12",
  workDir: "/srv/demo/versions/1-abcdef12",
  exec: "/srv/demo/versions/1-abcdef12/demo",
  args: [],
  env: { PORT: "8080", SYSWARD_SERVICE: "impostor" },
  stateDir: "/srv/demo/data",
  logDir: "/srv/demo/logs",
};

describe("service environment", () => {
  it("is the minimal base plus the spec's env, with the sysward vars last", () => {
    expect(serviceEnv(spec, "C.UTF-8")).toEqual({
      PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      HOME: "/srv/demo/data",
      LANG: "C.UTF-8",
      PORT: "8080",
      SYSWARD_SERVICE: "demo",
      SYSWARD_STATE_DIR: "/srv/demo/data",
    });
  });

  it("takes nothing else from the agent's environment", () => {
    process.env.SYSWARD_AGENT_TOKEN = "secret";
    try {
      expect(Object.values(serviceEnv(spec))).not.toContain("secret");
    } finally {
      delete process.env.SYSWARD_AGENT_TOKEN;
    }
  });
});
