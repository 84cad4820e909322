// A/B of two console builds on one agent, same run: /agents/local/debug/vars, /agents/local/metrics
// and a unary RPC (AgentInfo, Connect GET) through each, wrk -c50 with an API token, rounds
// interleaved; the agent's own socket (h2load) for reference; each console's RSS idle and after.
//   (cd apps/console && NEXT_DIST_DIR=.next-base npx next build)   # the "before" build, e.g. at main
//   node --import tsx bench/console-ab.ts .next-base .next-bench   # AB_ROUNDS=3 AB_SECONDS=6 AB_ONLY=vars,metrics,rpc
// AB_FLAGS_BASE / AB_FLAGS_NEW: node flags of either console (space-separated), e.g. one build, two heap settings.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../apps/agent/src/install/testing/package-fixtures";
import { startAgentRig } from "./lib/agent-rig";
import { startConsoleRig } from "./lib/console-rig";
import { h2loadUnix, wrk } from "./lib/load-tools";
import { ProcessSet, sleep } from "./lib/processes";

const [baseDir, newDir] = [process.argv[2] ?? ".next-base", process.argv[3] ?? ".next-bench"];
const rounds = Number(process.env.AB_ROUNDS ?? 3);
const seconds = Number(process.env.AB_SECONDS ?? 6);
const only = (process.env.AB_ONLY ?? "vars,metrics,rpc").split(",");
const flags = (name: string) => (process.env[name] ?? "").split(" ").filter(Boolean);
const runDir = mkdtempSync(join(tmpdir(), "sysward-ab-"));
const procs = new ProcessSet(runDir);
const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
try {
  const agentData = join(runDir, "agent");
  const agent = await startAgentRig(procs, { dataDir: agentData });
  const A = await startConsoleRig(procs, { port: await freePort(), agentDataDir: agentData, consoleDataDir: join(runDir, "ca"), distDir: baseDir, label: "base", nodeFlags: flags("AB_FLAGS_BASE") });
  const B = await startConsoleRig(procs, { port: await freePort(), agentDataDir: agentData, consoleDataDir: join(runDir, "cb"), distDir: newDir, label: "new", nodeFlags: flags("AB_FLAGS_NEW") });
  await sleep(3000);
  console.log(`idle RSS MB: base ${rss(A.pid).toFixed(0)} new ${rss(B.pid).toFixed(0)}`);
  const paths: Record<string, string> = {
    vars: "/agents/local/debug/vars",
    metrics: "/agents/local/metrics",
    rpc: "/rpc/local/sysward.agent.v1.AgentService/AgentInfo?connect=v1&encoding=json&message=%7B%7D",
  };
  for (const what of only) {
    const path = paths[what]!;
    const res: Record<string, number[][]> = { base: [], new: [], agent: [] };
    for (const c of [A, B]) await wrk(`${c.baseUrl}${path}`, { connections: 50, seconds: 2, headers: { Authorization: `Bearer ${c.apiToken}` } });
    for (let r = 0; r < rounds; r++) {
      for (const [label, c] of [["base", A], ["new", B]] as const) {
        const x = await wrk(`${c.baseUrl}${path}`, { connections: 50, seconds, headers: { Authorization: `Bearer ${c.apiToken}` } });
        if (x.bad > 0) console.log(`${label} ${what}: ${x.bad} bad`);
        res[label]!.push([x.reqPerSec, x.p99Ms ?? NaN, x.p50Ms ?? NaN]);
      }
      if (what !== "rpc") {
        const d = await h2loadUnix(agent.socketPath, path.replace("/agents/local", ""), { connections: 50, seconds, headers: { authorization: `Bearer ${agent.token}` } });
        res.agent!.push([d.reqPerSec, d.p99Ms ?? NaN, d.p50Ms ?? NaN]);
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const [label, rs] of Object.entries(res)) {
      if (rs.length === 0) continue;
      const rps = rs.map((x) => x[0]!);
      console.log(`${what} ${label}: req/s median ${med(rps).toFixed(0)} (${Math.min(...rps).toFixed(0)}–${Math.max(...rps).toFixed(0)}) p99 median ${med(rs.map((x) => x[1]!)).toFixed(1)} ms (${rs.map((x) => x[1]!.toFixed(1)).join(", ")}) p50 ${med(rs.map((x) => x[2]!)).toFixed(1)} ms`);
    }
  }
  console.log(`after-load RSS MB: base ${rss(A.pid).toFixed(0)} new ${rss(B.pid).toFixed(0)}`);
} finally {
  await procs.stopAll();
}
