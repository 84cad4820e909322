import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { areaOf, summarizeProfile } from "./cpu-profile";

const dir = mkdtempSync(join(tmpdir(), "cpu-profile-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("summarizeProfile", () => {
  it("sums self time per function and per area from samples and time deltas", () => {
    const file = join(dir, "p.cpuprofile");
    const frame = (id: number, functionName: string, url: string) => ({ id, callFrame: { functionName, url, lineNumber: 9 } });
    writeFileSync(
      file,
      JSON.stringify({
        startTime: 1_000_000,
        nodes: [frame(1, "(idle)", ""), frame(2, "write", "file:///work/main/node_modules/busboy/lib/types/multipart.js"), frame(3, "writeBuffer", "")],
        samples: [1, 2, 2, 3, 1],
        timeDeltas: [1000, 2000, 3000, 500, 4000],
      }),
    );
    const s = summarizeProfile(file);
    expect(s.totalMs).toBe(10.5);
    expect(s.functions[0]).toEqual({ name: "(idle)", where: "native", ms: 5 });
    expect(s.functions[1]).toEqual({ name: "write", where: "busboy/lib/types/multipart.js:10", ms: 5 });
    expect(s.areas).toEqual([
      { area: "idle (waiting: network, thread pool)", ms: 5 },
      { area: "busboy (multipart)", ms: 5 },
      { area: "fs calls (binding)", ms: 0.5 },
    ]);
  });

  it("keeps only the samples inside a window", () => {
    const file = join(dir, "w.cpuprofile");
    const frame = (id: number, functionName: string) => ({ id, callFrame: { functionName, url: "", lineNumber: 0 } });
    // Samples at 1 001 000, 1 003 000 and 1 006 000 µs.
    writeFileSync(file, JSON.stringify({ startTime: 1_000_000, nodes: [frame(1, "a"), frame(2, "b")], samples: [1, 2, 1], timeDeltas: [1000, 2000, 3000] }));
    const s = summarizeProfile(file, 10, { fromUs: 1_002_000, toUs: 1_005_000 });
    expect(s.totalMs).toBe(2);
    expect(s.functions).toEqual([{ name: "b", where: "native", ms: 2 }]);
  });
});

describe("areaOf", () => {
  it("names the areas of the upload path", () => {
    expect(areaOf("x", "file:///work/main/node_modules/@connectrpc/connect/dist/esm/protocol/envelope.js")).toBe("Connect (RPC framing)");
    expect(areaOf("inflate", "node:zlib")).toBe("zlib (inflate, crc32)");
    expect(areaOf("onStreamRead", "node:internal/http2/core")).toBe("HTTP/2");
    expect(areaOf("openFileHandle", "")).toBe("fs calls (binding)");
  });
});
