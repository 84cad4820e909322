import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { PerfSampleSchema } from "@sysward/proto";
import { describe, expect, it } from "vitest";
import { perfLine, perfReport } from "./format-perf";

const sample = create(PerfSampleSchema, {
  time: timestampFromMs(Date.parse("2025-01-02T10:00:01.500Z")),
  intervalMs: 1000,
  cpu: { busyPercent: 12.5, userPercent: 8, systemPercent: 4.5 },
  cores: [{ id: "cpu0" }, { id: "cpu1" }],
  memory: { totalBytes: 4n * 1024n ** 3n, usedBytes: 1024n ** 3n, availableBytes: 3n * 1024n ** 3n, usedPercent: 25, swapTotalBytes: 0n, swapFreeBytes: 0n },
  load: { one: 0.5, five: 0.25, fifteen: 0.125 },
  services: [
    { name: "web", cpuPercent: 150, rssBytes: 2n * 1024n ** 2n, processCount: 3 },
    { name: "api", cpuPercent: 0.5, rssBytes: 1024n ** 2n, processCount: 1 },
  ],
});

describe("perf formatting", () => {
  it("reports CPU, memory, load and each service", () => {
    expect(perfReport("local", sample)).toBe(
      [
        "agent local at 2025-01-02 10:00:01Z (1000 ms interval)",
        "cpu     12.5% busy (user 8.0%, system 4.5%, iowait 0.0%, steal 0.0%) on 2 cores",
        "memory  1.0 GiB of 4.0 GiB used (25.0%), 3.0 GiB available; swap 0 B of 0 B",
        "load    0.50 0.25 0.13",
        "",
        "SERVICE  CPU     RSS      PROCS",
        "api      0.5%    1.0 MiB  1",
        "web      150.0%  2.0 MiB  3",
        "",
      ].join("\n"),
    );
  });

  it("fits a sample on one line for --watch", () => {
    expect(perfLine(sample)).toBe("2025-01-02 10:00:01Z  cpu  12.5%  mem  25.0% (1.0 GiB)  load 0.50  api 0.5%/1.0 MiB  web 150.0%/2.0 MiB");
  });

  it("says when there are no services", () => {
    expect(perfReport("local", create(PerfSampleSchema, {}))).toMatch(/cpu {5}-\nmemory {2}-\nload {4}-\nno services\n$/);
  });
});
