import { describe, expect, it } from "vitest";
import { isCleanExit } from "./restart-policy";

describe("restart policy (on-failure)", () => {
  it("treats exit 0 and systemd's clean signals as clean, everything else as a crash", () => {
    expect(isCleanExit(0, null)).toBe(true);
    expect(isCleanExit(null, "SIGTERM")).toBe(true);
    expect(isCleanExit(null, "SIGPIPE")).toBe(true);
    expect(isCleanExit(1, null)).toBe(false);
    expect(isCleanExit(null, "SIGKILL")).toBe(false);
    expect(isCleanExit(null, "SIGSEGV")).toBe(false);
    expect(isCleanExit(null, null)).toBe(false); // died unseen (adopted process): assume a crash
  });
});
