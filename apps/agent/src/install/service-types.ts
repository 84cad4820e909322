// What the service manager hands to its callers (the RPC handlers map these to proto).
import type { ExitResult, RuntimeName, ServiceRunState } from "../runtime/runtime";
import type { InstallPhaseName } from "./install-steps";

export interface InstallHeaderInput {
  name: string;
  /** Seconds the new version must stay up; undefined: the configured default. */
  healthSeconds?: number;
  /** Hex sha256 the upload must have; empty or undefined: not checked. */
  sha256?: string;
  /** Announced size, checked against the cap before any byte is read. */
  sizeBytes?: number;
  /** Non-empty: replaces the manifest's args. */
  args?: string[];
  /** Merged over the manifest's env. */
  env?: Record<string, string>;
}

export interface VersionInfo {
  id: string;
  sha256: string;
  installedAt: Date;
  sizeBytes: number;
}

export interface ServiceView {
  name: string;
  /** From the runtime; "stopped" when the runtime does not know the service. */
  state: ServiceRunState;
  /** The current version; undefined while a first install is in progress. */
  version?: VersionInfo;
  /** Newest first, current included. */
  keptVersions: VersionInfo[];
  pids: number[];
  since?: Date;
  restarts: number;
  runtime: RuntimeName;
  /** Undefined when no install or rollback has happened since the agent started. */
  phase?: InstallPhaseName;
  phaseDetail: string;
  /** Why the service is in its state, when the runtime says (a crash loop it gave up on). */
  stateDetail: string;
  lastExit?: ExitResult;
  /** Desired state: the agent keeps it running. */
  enabled: boolean;
}

export interface ChangeResult {
  service: ServiceView;
  /** The version that was current before (install, rollback). */
  previousVersion?: string;
}

/** The subset of pino the manager uses, so tests can pass nothing at all. */
export interface ManagerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
