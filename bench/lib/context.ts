// What every benchmark gets: the mode, the run's directories, the processes under test.
import type { AgentRig } from "./agent-rig";
import type { ConsoleRig } from "./console-rig";
import type { NodeExporter } from "./node-exporter";
import type { ProcessSet } from "./processes";

export interface BenchContext {
  quick: boolean;
  procs: ProcessSet;
  /** Scratch space on the same filesystem as the agent's data dir. */
  scratchDir: string;
  runDir: string;
  agent: AgentRig;
  console: ConsoleRig;
  exporter: NodeExporter;
  /** Names of the idle services installed for the benchmarks that want 10 running. */
  idleServices: string[];
  /** Another agent build with as many idle services, measured beside `agent` (--baseline-agent). */
  baseline?: { agent: AgentRig; label: string };
  log(line: string): void;
}
