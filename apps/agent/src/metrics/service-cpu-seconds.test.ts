import { create } from "@bufbuild/protobuf";
import { PerfSampleSchema } from "@sysward/proto";
import { describe, expect, it } from "vitest";
import { ServiceCpuSeconds } from "./service-cpu-seconds";

const sample = (intervalMs: number, services: Record<string, number>) =>
  create(PerfSampleSchema, { intervalMs, services: Object.entries(services).map(([name, cpuPercent]) => ({ name, cpuPercent })) });

describe("ServiceCpuSeconds", () => {
  it("integrates each sample's CPU share over its interval, per service", () => {
    const cpu = new ServiceCpuSeconds();
    cpu.add(sample(1000, { web: 50, db: 200 })); // half a core, two cores for 1 s
    cpu.add(sample(500, { web: 100 })); // db not running: adds nothing, keeps its total
    expect(cpu.get("web")).toBeCloseTo(0.5 + 0.5);
    expect(cpu.get("db")).toBeCloseTo(2);
    expect(cpu.get("never")).toBe(0);
  });

  it("never decreases while a service exists, and forgets removed ones", () => {
    const cpu = new ServiceCpuSeconds();
    let last = 0;
    for (const pct of [10, 0, 35, 0, 0, 80]) {
      cpu.add(sample(200, { web: pct, gone: 5 }));
      expect(cpu.get("web")).toBeGreaterThanOrEqual(last);
      last = cpu.get("web");
    }
    cpu.retainOnly(new Set(["web"]));
    expect(cpu.get("web")).toBe(last);
    expect(cpu.get("gone")).toBe(0);
  });
});
