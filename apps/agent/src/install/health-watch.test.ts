// The health window against the real supervisor runtime and real scripts.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SupervisorRuntime } from "../runtime/supervisor/supervisor-runtime";
import { createTestServices, testScripts, type TestServices } from "../runtime/testing/test-service";
import { watchHealth } from "./health-watch";
import { freePort } from "./testing/package-fixtures";

let services: TestServices;
let runtime: SupervisorRuntime;
let stateDir: string;

beforeEach(async () => {
  services = await createTestServices();
  stateDir = mkdtempSync(join(tmpdir(), "sysward-health-"));
  runtime = new SupervisorRuntime({ stateDir, backoff: { initialMs: 50, maxMs: 200 }, tickMs: 50, sandbox: "off" });
});

afterEach(async () => {
  await runtime.close();
  await services.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

const watch = (name: string, seconds: number, extra: Partial<Parameters<typeof watchHealth>[0]> = {}) =>
  watchHealth({ runtime, name, seconds, pollMs: 50, probeEveryMs: 100, probeGraceMs: 1000, ...extra });

describe("watchHealth", () => {
  it("passes a service that stays up for the window, counting down", async () => {
    await runtime.start(await services.write("steady", testScripts.serve));
    const ticks: number[] = [];
    expect(await watch("steady", 1, { onTick: (left) => ticks.push(left) })).toEqual({ ok: true });
    expect(ticks[0]).toBeGreaterThan(0);
    expect(ticks.at(-1)).toBe(0);
  });

  it("fails a service that exits during the window, with its exit code", async () => {
    await runtime.start(await services.write("dies", "sleep 0.3; exit 9"));
    const res = await watch("dies", 5);
    expect(res.ok).toBe(false);
    expect(!res.ok && res.reason).toMatch(/exit code 9/);
  });

  it("fails a service the runtime had to restart, even if it is up again at the end", async () => {
    await runtime.start(await services.write("flaky", 'if [ ! -f "$SYSWARD_STATE_DIR/once" ]; then touch "$SYSWARD_STATE_DIR/once"; sleep 0.2; exit 1; fi; while :; do sleep 1; done'));
    const res = await watch("flaky", 2);
    expect(res.ok).toBe(false);
    expect(!res.ok && res.reason).toMatch(/crashed and was restarted|exited/);
  });

  it("with seconds 0, only checks it was started", async () => {
    await runtime.start(await services.write("quick", testScripts.serve));
    expect(await watch("quick", 0)).toEqual({ ok: true });
  });

  it("requires the probe to pass, giving a late listener the grace period", async () => {
    await runtime.start(await services.write("tcp", testScripts.serve));
    const port = await freePort();
    const failed = await watch("tcp", 0, { probe: { tcp: `127.0.0.1:${port}` }, probeGraceMs: 300 });
    expect(failed.ok).toBe(false);
    expect(!failed.ok && failed.reason).toMatch(new RegExp(`health probe TCP 127\\.0\\.0\\.1:${port} did not pass \\(.*ECONNREFUSED`));

    let server: Server | undefined;
    const late = setTimeout(() => (server = createServer().listen(port, "127.0.0.1")), 400);
    try {
      expect(await watch("tcp", 0, { probe: { tcp: `127.0.0.1:${port}` } })).toEqual({ ok: true });
    } finally {
      clearTimeout(late);
      server?.close();
    }
  });
});
