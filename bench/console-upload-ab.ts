// A/B of two console setups on one agent, same run: a 196 MB mixed ZIP uploaded → running through
// each, alternating, with each console's peak RSS (VmHWM, reset before each upload).
//   node --import tsx bench/console-upload-ab.ts   # AB_FLAGS_BASE / AB_FLAGS_NEW: node flags; AB_ROUNDS
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../apps/agent/src/install/testing/package-fixtures";
import { startAgentRig } from "./lib/agent-rig";
import { uploadViaConsole } from "./lib/console-upload";
import { startConsoleRig } from "./lib/console-rig";
import { mixedZip } from "./lib/mixed-zip";
import { ProcessSet } from "./lib/processes";

const MiB = 1024 * 1024;
const rounds = Number(process.env.AB_ROUNDS ?? 3);
const flags = (name: string) => (process.env[name] ?? "").split(" ").filter(Boolean);
const hwm = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
const runDir = mkdtempSync(join(tmpdir(), "sysward-upload-ab-"));
const procs = new ProcessSet(runDir);
try {
  const zip = mixedZip(200 * MiB);
  const agentData = join(runDir, "agent");
  const agent = await startAgentRig(procs, { dataDir: agentData });
  const consoles = {
    base: await startConsoleRig(procs, { port: await freePort(), agentDataDir: agentData, consoleDataDir: join(runDir, "ca"), label: "base", nodeFlags: flags("AB_FLAGS_BASE") }),
    new: await startConsoleRig(procs, { port: await freePort(), agentDataDir: agentData, consoleDataDir: join(runDir, "cb"), label: "new", nodeFlags: flags("AB_FLAGS_NEW") }),
  };
  const res: Record<string, Array<[number, number]>> = { base: [], new: [] };
  for (let r = 0; r <= rounds; r++) {
    const order = r % 2 === 0 ? (["base", "new"] as const) : (["new", "base"] as const);
    for (const label of order) {
      const c = consoles[label];
      writeFileSync(`/proc/${c.pid}/clear_refs`, "5");
      const u = await uploadViaConsole(c, `ab${label}`, zip.path);
      // Round 0 is a warm-up, not counted.
      if (r > 0) res[label]!.push([u.ms, hwm(c.pid)]);
      await agent.client.remove({ name: `ab${label}` });
    }
  }
  for (const [label, rs] of Object.entries(res)) {
    const ms = rs.map((x) => x[0]).sort((a, b) => a - b);
    console.log(`${label}: upload → running median ${(ms[Math.floor(ms.length / 2)]! / 1000).toFixed(2)} s (${(ms[0]! / 1000).toFixed(2)}–${(ms.at(-1)! / 1000).toFixed(2)}), peak RSS max ${Math.max(...rs.map((x) => x[1])).toFixed(0)} MB`);
  }
} finally {
  await procs.stopAll();
}
