import { fromJson } from "@bufbuild/protobuf";
import { PerfSampleSchema } from "@sysward/proto";
import { describe, expect, it } from "vitest";
import { PerfCollector } from "./perf-collector";
import { perfSampleJson } from "./sample-json";

describe("perfSampleJson", () => {
  it("renders a live sample once, as proto JSON that reads back to the same sample", async () => {
    const c = new PerfCollector({ intervalMs: 60_000, servicePids: () => new Map([["self", [process.pid]]]) });
    await c.start();
    const s = c.latest();
    const json = perfSampleJson(s);
    expect(perfSampleJson(s)).toBe(json);
    expect(Object.isFrozen(json)).toBe(true);
    expect(json).toMatchObject({ memory: { totalBytes: String(s.memory!.totalBytes) }, services: [{ name: "self" }] });
    expect(fromJson(PerfSampleSchema, json)).toEqual(s);
    await c.stop();
  });
});
