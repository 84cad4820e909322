import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { isSameLiveProcess, parseProcStat, processGroupAlive, readProcStat, signalProcessGroup } from "./proc-stat";
import { waitFor } from "./testing/wait-for";

describe("proc stat", () => {
  it("parses a comm holding spaces and parentheses", () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = "S";
    const stat = parseProcStat(`4242 (we ird) (name) ${fields.join(" ")}\n`);
    expect(stat).toEqual({ pid: 4242, state: "S", ppid: 4, pgrp: 5, startTime: "22" });
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
