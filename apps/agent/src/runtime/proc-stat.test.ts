import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { isSameLiveProcess, listProcesses, processAlive, processGroupAlive, readProcStat, signalProcessGroup } from "./proc-stat";
import { waitFor } from "./testing/wait-for";

describe("proc stat", () => {
  // The parsing itself is perf/proc-parsers.ts's parsePidStat, tested there.
  it("reads the start time exactly as a shell reads field 22 (what test services record)", async () => {
    const child = spawn("/bin/sh", ["-c", "cut -d' ' -f22 /proc/$$/stat; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      const fromShell = await waitFor(() => out.includes("\n") && out.trim(), "the shell's own reading");
      const stat = readProcStat(child.pid!)!;
      expect(stat.startTime).toBe(fromShell);
      expect(stat.startTicks).toBe(Number(fromShell));
      expect(stat.ppid).toBe(process.pid);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("is undefined for a pid that does not exist, and lists only live processes", () => {
    expect(readProcStat(2 ** 22 + 1)).toBeUndefined(); // above pid_max's ceiling
    const all = listProcesses();
    expect(all.some((p) => p.pid === process.pid)).toBe(true);
    expect(all.every((p) => p.state !== "Z" && p.state !== "X")).toBe(true);
  });

  it("counts a zombie as dead, and a running process as alive", async () => {
    // sh starts a child that exits a moment later — after sh has become `sleep`, which never
    // reaps it (a child exiting at once may be reaped by sh itself before the exec).
    const parent = spawn("/bin/sh", ["-c", "sleep 0.3 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      let out = "";
      parent.stdout.on("data", (d: Buffer) => (out += d.toString()));
      const zombie = Number(await waitFor(() => out.includes("\n") && out.trim(), "the child's pid"));
      await waitFor(() => readProcStat(zombie)?.state === "Z", "the child to be a zombie");
      expect(processAlive(zombie)).toBe(false);
      expect(processAlive(parent.pid!)).toBe(true);
    } finally {
      parent.kill("SIGKILL");
    }
    expect(processAlive(2 ** 22 + 1)).toBe(false);
  });

  it("identifies a live process by pid and start time, and rejects a wrong start time", () => {
    const self = readProcStat(process.pid)!;
    expect(self.pid).toBe(process.pid);
    expect(isSameLiveProcess(process.pid, self.startTime)).toBe(true);
    expect(isSameLiveProcess(process.pid, String(Number(self.startTime) + 1))).toBe(false);
  });

  it("signals a whole process group, and never a group whose leader pid now names another process", async () => {
    const child = spawn("/bin/sh", ["-c", "sleep 30 & sleep 30"], { detached: true, stdio: "ignore" });
    const pid = child.pid!;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      const leader = await waitFor(() => readProcStat(pid), "the leader");
      await waitFor(() => processGroupAlive(pid), "the group");
      expect(signalProcessGroup(pid, String(Number(leader.startTime) + 1), "SIGKILL")).toBe(false);
      expect(processGroupAlive(pid)).toBe(true);
      expect(signalProcessGroup(pid, leader.startTime, "SIGKILL")).toBe(true);
      await exited;
      await waitFor(() => !processGroupAlive(pid), "the group to die");
    } finally {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone, as it should be
      }
    }
  });
});
