// A chunked body with no content-length, far over the cap, sent to the open routes: the console
// stops reading just past the cap instead of buffering all of it.
import { afterAll, describe, expect, it } from "vitest";
import * as enrollRoute from "@/app/api/enroll/route";
import * as loginRoute from "@/app/api/auth/login/route";
import { consoleRequest, setupConsoleTestEnv } from "../testing/console-test-env";

const env = setupConsoleTestEnv();
afterAll(() => env.cleanup());

/** 150 MiB made on demand, 64 KiB a pull; counts what was pulled. */
function hugeBody(): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= 150 * 1024 * 1024) return controller.close();
      pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled: () => pulled };
}

describe("bodies over the cap without content-length", () => {
  it("/api/enroll stops reading past 16 KiB", async () => {
    const body = hugeBody();
    const res = await enrollRoute.POST(consoleRequest("/api/enroll", { body: body.stream, headers: { "content-type": "application/json" } }));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(body.pulled()).toBeLessThan(1024 * 1024);
  });

  it("/api/auth/login answers 413 and stops reading past 64 KiB", async () => {
    const body = hugeBody();
    const res = await loginRoute.POST(consoleRequest("/api/auth/login", { body: body.stream, headers: { "content-type": "application/json" } }));
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThan(1024 * 1024);
  });
});
