import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { closeUnreadProcFiles, openProcFiles, readProcText } from "./proc-reader";

describe("readProcText with keepOpen", () => {
  it("re-reads a kept /proc file afresh each time (procfs generates it again at offset 0)", async () => {
    closeUnreadProcFiles();
    closeUnreadProcFiles();
    const first = readProcText("/proc/uptime", true)!;
    expect(openProcFiles()).toBe(1);
    await new Promise((r) => setTimeout(r, 30));
    const second = readProcText("/proc/uptime", true)!;
    expect(Number(second.split(" ")[0])).toBeGreaterThan(Number(first.split(" ")[0]));
    expect(openProcFiles()).toBe(1);
  });

  it("answers undefined once the process of a kept /proc/PID file has exited, and lets the file go", async () => {
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    await once(child, "spawn");
    const path = `/proc/${child.pid}/stat`;
    expect(readProcText(path, true)).toMatch(new RegExp(`^${child.pid} \\(sleep\\)`));
    const kept = openProcFiles();
    child.kill("SIGKILL");
    await once(child, "exit"); // reaped: the pid is free for reuse, the kept file still names the old process
    expect(readProcText(path, true)).toBeUndefined();
    expect(openProcFiles()).toBe(kept - 1);
  });

  it("closes the kept files not read since the last sweep, and keeps nothing outside /proc", () => {
    readProcText("/proc/loadavg", true);
    closeUnreadProcFiles(); // read since the last sweep: kept
    expect(openProcFiles()).toBeGreaterThan(0);
    closeUnreadProcFiles(); // read by nobody since: closed
    closeUnreadProcFiles();
    expect(openProcFiles()).toBe(0);
    expect(readProcText(new URL(import.meta.url).pathname, true)).toContain("closeUnreadProcFiles");
    expect(openProcFiles()).toBe(0);
  });
});
