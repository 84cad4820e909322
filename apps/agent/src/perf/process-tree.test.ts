import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ProcessTreeReader, type ProcessInfo, type TreeStrategy } from "./process-tree";
import { waitFor } from "../runtime/testing/wait-for";

const liveHasChildrenFiles = fs.existsSync(`/proc/${process.pid}/task/${process.pid}/children`);

describe("ProcessTreeReader on the live /proc", () => {
  let tree: ChildProcess | undefined;
  afterEach(() => {
    // The shell leads its own process group: kill the whole group.
    if (tree?.pid && tree.exitCode === null) process.kill(-tree.pid, "SIGKILL");
    tree = undefined;
  });

  const strategies: TreeStrategy[] = liveHasChildrenFiles ? ["scan", "children"] : ["scan"];
  it.each(strategies)("finds a spawned shell and its two sleeping children (%s)", async (strategy) => {
    tree = spawn("sh", ["-c", "sleep 30 & sleep 30 & wait"], { detached: true, stdio: "ignore" });
    const root = tree.pid!;
    const reader = new ProcessTreeReader({ strategy });
    const comm = (pid: number) => fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    // Three processes, once both forks have exec'd sleep (a fresh fork is still "sh"; a process
    // read in the middle of its exec briefly shows no resident memory).
    const procs = await waitFor(() => {
      const list = reader.read(new Map([["svc", [root]]])).get("svc")!;
      const settled = list.length === 3 && list.filter((p) => comm(p.pid) === "sleep").length === 2 && list.every((p) => p.rssBytes > 0);
      return settled ? list : undefined;
    }, "three processes");
    const byPid = new Map(procs.map((p) => [p.pid, p]));
    expect(byPid.get(root)?.ppid).toBe(process.pid);
    const children = procs.filter((p) => p.pid !== root);
    expect(children.every((p) => p.ppid === root)).toBe(true);
    expect(procs.every((p) => p.rssBytes > 0 && p.startTicks > 0)).toBe(true);

    // Gone after the kill: an empty list, not an error.
    process.kill(-root, "SIGKILL");
    await waitFor(() => reader.read(new Map([["svc", [root]]])).get("svc")!.length === 0, "the tree to disappear");
  });

  it(`picks "${liveHasChildrenFiles ? "children" : "scan"}" here: this kernel ${liveHasChildrenFiles ? "has" : "lacks"} /proc/PID/task/TID/children`, () => {
    expect(new ProcessTreeReader().strategy).toBe(liveHasChildrenFiles ? "children" : "scan");
  });

  it("reads nothing and returns empty lists when no service has a pid", () => {
    const reader = new ProcessTreeReader({ procRoot: "/nonexistent-proc", strategy: "scan" });
    expect(reader.read(new Map([["a", []]]))).toEqual(new Map([["a", []]]));
  });

  it("leaves out root pids that do not exist", () => {
    const reader = new ProcessTreeReader({ strategy: "scan" });
    const notAPid = 2 ** 22 + 1; // above the largest pid_max
    expect(reader.read(new Map([["x", [notAPid]]])).get("x")).toEqual([]);
  });
});

// A directory laid out like /proc, so both strategies can be compared on the same tree,
// including what this machine's kernel cannot show (children files, forks from other threads).
describe("ProcessTreeReader on a /proc-shaped directory", () => {
  let root: string;
  type Fake = { pid: number; ppid: number; comm?: string; threads?: Record<number, number[]>; ticks?: number; rss?: number };
  const procs: Fake[] = [
    { pid: 1, ppid: 0, threads: { 1: [100, 300] } },
    { pid: 100, ppid: 1, comm: "svc main", threads: { 100: [101], 105: [102] }, ticks: 50, rss: 10 }, // 102 forked by thread 105
    { pid: 101, ppid: 100, comm: "worker) (x", threads: { 101: [103] }, ticks: 7, rss: 3 },
    { pid: 102, ppid: 100, threads: { 102: [] }, ticks: 1, rss: 2 },
    { pid: 103, ppid: 101, threads: { 103: [] }, ticks: 2, rss: 1 },
    { pid: 300, ppid: 1, threads: { 300: [301] }, ticks: 9, rss: 4 }, // another service
    { pid: 301, ppid: 300, threads: { 301: [] }, ticks: 9, rss: 4 },
  ];

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "fake-proc-"));
    for (const p of procs) {
      const threads = p.threads ?? { [p.pid]: [] };
      const n = Object.keys(threads).length;
      const stat = `${p.pid} (${p.comm ?? "p"}) S ${p.ppid} ${p.pid} ${p.pid} 0 -1 4194304 0 0 0 0 ${p.ticks ?? 0} 0 0 0 20 0 ${n} 0 ${1000 + p.pid} 1000 ${p.rss ?? 0} 18446744073709551615 0 0`;
      fs.mkdirSync(path.join(root, String(p.pid), "task"), { recursive: true });
      fs.writeFileSync(path.join(root, String(p.pid), "stat"), stat + "\n");
      for (const [tid, kids] of Object.entries(threads)) {
        fs.mkdirSync(path.join(root, String(p.pid), "task", tid));
        fs.writeFileSync(path.join(root, String(p.pid), "task", tid, "children"), kids.map((k) => `${k} `).join(""));
      }
    }
    fs.writeFileSync(path.join(root, "stat"), "cpu 1 2 3 4\n"); // non-pid entries are skipped
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const summary = (list: ProcessInfo[]) => list.map((p) => [p.pid, p.cpuTicks, p.rssBytes]).sort((a, b) => a[0]! - b[0]!);

  it.each(["children", "scan"] as const)("%s: each service gets its whole tree, once", (strategy) => {
    const reader = new ProcessTreeReader({ procRoot: root, strategy, pageSize: 4096 });
    // 103 listed as a root too: still counted once.
    const out = reader.read(new Map([["svc", [100, 103]], ["other", [300]], ["gone", [999]]]));
    expect(summary(out.get("svc")!)).toEqual([
      [100, 50, 10 * 4096],
      [101, 7, 3 * 4096],
      [102, 1, 2 * 4096],
      [103, 2, 1 * 4096],
    ]);
    expect(summary(out.get("other")!)).toEqual([
      [300, 9, 4 * 4096],
      [301, 9, 4 * 4096],
    ]);
    expect(out.get("gone")).toEqual([]);
  });

  it("auto picks children when the directory has the children files", () => {
    expect(new ProcessTreeReader({ procRoot: root }).strategy).toBe("children");
  });
});
