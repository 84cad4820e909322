// What the console's fleet monitor knows of each machine, as the browser, the API and the CLI see
// it: plain JSON (times in ms since the epoch), no protobuf messages. No runtime code.
import type { AgentInfoResponse } from "@sysward/proto";

/** `connecting`: not answered yet since the console started watching it. */
export type Reachability = "connecting" | "up" | "down";

export type ServiceStateName = "running" | "stopped" | "failed" | "starting" | "backoff" | "unknown";

export interface MachineService {
  name: string;
  state: ServiceStateName;
  /** Current version id ("3-1a2b3c4d"); "" while a first install runs. */
  version: string;
  /** When it entered `state`; null when the runtime does not say. */
  since: number | null;
  restarts: number;
  /** Why it is in its state (a crash loop given up on), when the runtime says. */
  detail: string;
  /** An install or rollback in progress or just finished ("health", "running", …), or "". */
  phase: string;
  enabled: boolean;
}

export interface MachinePerf {
  /** When the agent took the sample. */
  t: number;
  cpuPercent: number;
  memPercent: number;
  memUsedBytes: number;
  memTotalBytes: number;
  load1: number;
  /** The fullest filesystem (share of its size in use); null when the agent reports none. */
  disk: { mountPoint: string; usedPercent: number } | null;
  /** Used % of each mounted filesystem (at most MAX_PERF_DISKS), for disk alert rules. */
  disks?: Array<{ mount: string; usedPercent: number }>;
  /** Each service's CPU (% of one core) and RSS, for per-service alert rules. */
  services?: Array<{ name: string; cpuPercent: number; rssBytes: number }>;
}

export const MAX_PERF_DISKS = 16;

/** AgentInfo's facts as plain JSON (only these are kept). */
export type MachineInfo = Pick<AgentInfoResponse, "hostname" | "os" | "osRelease" | "kernel" | "arch" | "cpuModel" | "cpuCount" | "agentVersion" | "runtime"> & {
  memoryTotalBytes: number;
  sandboxed: boolean;
  isolationDetail: string;
};

export interface MachineState {
  id: string;
  name: string;
  address: string;
  labels: Record<string, string>;
  reach: Reachability;
  /** When `reach` last changed (survives a console restart: restored from its events). */
  since: number;
  /** Why it is down (the connection's error), or "". */
  reason: string;
  /** From AgentInfo when the console connected; null before the first answer. */
  info: MachineInfo | null;
  /** The latest sample; null before the first. */
  perf: MachinePerf | null;
  /** Sorted by name. */
  services: MachineService[];
  /** Services in state failed. */
  failed: number;
  /** CPU busy %, one point per SPARK_STEP_MS, oldest first; the last one taken at `sparkT`. */
  spark: number[];
  sparkT: number;
}

/** The sparkline's step and length: ten minutes of CPU, a trend rather than a chart. */
export const SPARK_STEP_MS = 10_000;
export const SPARK_POINTS = 60;

/** One machine's perf between status changes: what the fleet stream sends every sample. */
export interface PerfDelta {
  perf: MachinePerf;
  /** Set when the sample also made a new sparkline point (taken at perf.t). */
  spark?: number;
}

/** What the fleet stream (GET /api/fleet/stream, text/event-stream) sends, by SSE event name. */
export interface FleetStreamEvents {
  /** First, and again whenever the stream could not say what changed: the whole fleet. */
  snapshot: { machines: MachineState[]; serverTime: number };
  /** Machines whose status (reachability, services, labels, info…) changed, whole; ids removed. */
  machines: { machines: MachineState[]; removed: string[] };
  /** Machines whose only change is a new sample. */
  perf: { perf: Record<string, PerfDelta> };
}

/** One recorded change of the fleet (GET /api/fleet/events). */
export interface FleetEvent {
  id: number;
  at: number;
  agentId: string;
  /** machine.up, machine.down, service.state, service.version */
  kind: string;
  service: string | null;
  /** up/down, or the service's new state or version. */
  state: string;
  detail: string;
}
