import { describe, expect, it } from "vitest";
import { parseErrorBody, parseUploadEvent } from "./upload-events";

describe("parseUploadEvent", () => {
  it("reads phase lines", () => {
    expect(parseUploadEvent('{"type":"phase","phase":"health","detail":"health check: 4 s left"}')).toEqual({
      type: "phase",
      phase: "health",
      detail: "health check: 4 s left",
    });
    expect(parseUploadEvent('{"type":"phase","phase":"verifying"}')).toMatchObject({ phase: "verifying", detail: "" });
  });

  it("reads a successful result with the installed version", () => {
    const ev = parseUploadEvent(
      JSON.stringify({
        type: "result",
        ok: true,
        service: { name: "web", version: "2-abcdef12", sha256: "ab".repeat(32), state: "running", pids: [42], runtime: "supervisor" },
      }),
    );
    expect(ev).toMatchObject({ type: "result", ok: true, service: { name: "web", version: "2-abcdef12", pids: [42] } });
  });

  it("reads a failed result with log lines and the previous-version flag", () => {
    const ev = parseUploadEvent(
      JSON.stringify({
        type: "result",
        ok: false,
        code: "failed_precondition",
        message: "web exited during the health window",
        logLines: ["boom"],
        previousStillRunning: true,
      }),
    );
    expect(ev).toEqual({
      type: "result",
      ok: false,
      code: "failed_precondition",
      message: "web exited during the health window",
      logLines: ["boom"],
      previousStillRunning: true,
    });
  });

  it("names the bad line instead of guessing", () => {
    expect(() => parseUploadEvent("not json")).toThrow(/unreadable progress line: not json/);
    expect(() => parseUploadEvent('{"type":"phase","phase":"dancing"}')).toThrow(/unexpected progress line/);
    expect(() => parseUploadEvent('{"type":"result","ok":false}')).toThrow(/unexpected progress line/);
  });
});

describe("parseErrorBody", () => {
  it("prefers the route's error message", () => {
    expect(parseErrorBody(400, '{"error":"package name must be letters and digits only, 1–64"}')).toBe(
      "package name must be letters and digits only, 1–64",
    );
  });
  it("falls back to the status for other bodies", () => {
    expect(parseErrorBody(502, "Bad Gateway")).toBe("the console answered 502: Bad Gateway");
    expect(parseErrorBody(500, "")).toBe("the console answered 500");
    expect(parseErrorBody(0, "")).toMatch(/could not be reached/);
  });
});
