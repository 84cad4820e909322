import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { InstallPhase, ServiceSchema, ServiceState } from "@sysward/proto";
import { describe, expect, it } from "vitest";
import { describeState, serviceSummary, servicesTable } from "./format-service";

const NOW = Date.parse("2025-01-02T10:00:00Z");

describe("service formatting", () => {
  const running = create(ServiceSchema, {
    name: "hello",
    state: ServiceState.RUNNING,
    version: { id: "2-1a2b3c4d" },
    pids: [1234],
    since: timestampFromMs(NOW - 192_000),
    restarts: 1,
    cpuPercent: 1.5,
    rssBytes: 45_000_000n,
    phase: InstallPhase.RUNNING,
  });
  const failed = create(ServiceSchema, { name: "api", state: ServiceState.FAILED, version: { id: "1-ffff0000" }, lastExitCode: 3 });

  it("lists services by name with their state, version, pids and usage", () => {
    expect(servicesTable([running, failed], NOW)).toBe(
      [
        "NAME   STATE    VERSION     PID   CPU   RSS       RESTARTS  FOR",
        "api    failed   1-ffff0000  -     -     -         0         -",
        "hello  running  2-1a2b3c4d  1234  1.5%  42.9 MiB  1         3m 12s",
        "",
      ].join("\n"),
    );
  });

  it("shows an install under way beside the state", () => {
    const installing = create(ServiceSchema, { ...running, phase: InstallPhase.HEALTH, phaseDetail: "health check: 4 s left" });
    expect(describeState(installing)).toBe("running (installing: health check: 4 s left)");
    expect(describeState(running)).toBe("running");
  });

  it("sums a service up in one line", () => {
    expect(serviceSummary(running)).toBe("hello: running, version 2-1a2b3c4d, pid 1234");
    expect(serviceSummary(failed)).toBe("api: failed, version 1-ffff0000, last exit code 3");
    const gaveUp = create(ServiceSchema, { ...failed, stateDetail: "crashed 5 times within 60 s; start it again" });
    expect(serviceSummary(gaveUp)).toBe("api: failed, version 1-ffff0000, last exit code 3, crashed 5 times within 60 s; start it again");
  });
});
