// The one interface every service runtime implements (like Nomad's DriverPlugin).
// Implementations: runtime/supervisor (the agent's own, default where systemd is
// not PID 1) and runtime/systemd (user units, or system units for a root agent). install/ and rpc/ only ever see this.

import type { RuntimeIsolation, ServiceUser } from "./isolation";

export type RuntimeName = "supervisor" | "systemd";

export interface RuntimeCapabilities {
  /** Services run in a sandbox (systemd directives, or bubblewrap). */
  sandboxing: boolean;
  /** Logs come from journald rather than files the agent rotates. */
  journalLogs: boolean;
  /** stop() honours the requested signal. */
  signals: boolean;
  /** Services keep running while the agent itself is down. */
  survivesAgentRestart: boolean;
}

/** Everything a runtime needs to run one version of a service. */
export interface ServiceSpec {
  /** Package name, ^[A-Za-z0-9]{1,64}$ (validated before it gets here). */
  name: string;
  /** Version directory name, "<n>-<sha8>". */
  versionId: string;
  /** The version directory; the service's working directory. */
  workDir: string;
  /** Absolute path of the executable, inside workDir. */
  exec: string;
  args: string[];
  env: Record<string, string>;
  /** Writable per-service state dir that survives upgrades (packages/NAME/data). */
  stateDir: string;
  /** Where runtimes that capture output write it (packages/NAME/logs). */
  logDir: string;
  limits?: { memoryMaxBytes?: number; cpuQuotaPercent?: number };
  /**
   * Root agent only (runtime.isolation.separateUsers): the service's own uid and gid. The state
   * dir is made theirs; the version dir stays the agent's, readable but not writable by them.
   */
  user?: ServiceUser;
}

/** Opaque, JSON-serialisable state saved by the caller and handed back to recover(). */
export interface RuntimeHandle {
  runtime: RuntimeName;
  version: 1;
  state: Record<string, unknown>;
}

export type ServiceRunState = "starting" | "running" | "backoff" | "stopped" | "failed";

export interface ExitResult {
  code: number | null;
  signal: string | null;
  at: Date;
}

export interface ServiceStatus {
  state: ServiceRunState;
  /** Root pid(s) of the service's process tree; empty when not running. */
  pids: number[];
  /** When it entered `state`. */
  since: Date;
  /** Restarts after crashes since the last start(). */
  restarts: number;
  lastExit?: ExitResult;
  /**
   * Only in state `failed`: why, in words a person can act on (e.g. the start limit gave up on a
   * crash loop: "crashed 5 times within 60 s; last exit code 1 — … start it again").
   */
  reason?: string;
}

export interface LogLine {
  time: Date;
  line: string;
  stream: "stdout" | "stderr";
}

export interface LogsOptions {
  /** Last N lines first (0: none). */
  tail: number;
  /** Then keep yielding new lines until `signal` aborts. */
  follow: boolean;
  signal?: AbortSignal;
}

export interface StopOptions {
  /** Time to wait after `signal` before SIGKILL. Default 10 s. */
  timeoutMs?: number;
  signal?: NodeJS.Signals;
}

export interface Runtime {
  readonly name: RuntimeName;
  readonly capabilities: RuntimeCapabilities;
  /** The walls around each service, and the policy when there are none (start() obeys it). */
  readonly isolation: RuntimeIsolation;
  /**
   * Start (or replace) the service; resolves once the process has been spawned. Restarts on crash
   * with backoff until the start limit (start-limit.ts) gives up: then `failed` until start() again.
   */
  start(spec: ServiceSpec): Promise<RuntimeHandle>;
  /** Stop it (escalating to SIGKILL after the timeout) and do not restart it. Stopping a stopped service is a no-op. */
  stop(name: string, opts?: StopOptions): Promise<void>;
  /** Stop and forget everything the runtime keeps for it (unit files, handles). Not the package dir. */
  remove(name: string, opts?: { force?: boolean }): Promise<void>;
  /** Current status, or undefined if the runtime does not know the name. */
  inspect(name: string): Promise<ServiceStatus | undefined>;
  /** Root pids of every running service, for perf collection (sync: read from memory each interval). */
  pids(): Map<string, number[]>;
  /**
   * Each running service's own cgroup (a cgroup v2 directory), for exact per-service accounting;
   * a runtime whose services share the agent's cgroup (the supervisor) has none.
   */
  controlGroups?(): Map<string, string>;
  /**
   * After an agent restart: re-adopt the service from its saved handle, or restart it. A service
   * the start limit gave up on stays `failed` (no blind restart of a crash loop).
   */
  recover(handle: RuntimeHandle, spec: ServiceSpec): Promise<void>;
  logs(name: string, opts: LogsOptions): AsyncIterable<LogLine>;
  /** Agent shutdown: stop watching, leave services running where the runtime can. */
  close(): Promise<void>;
}
