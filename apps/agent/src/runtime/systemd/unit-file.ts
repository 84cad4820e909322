import { DomainError } from "../../domain-error";
import type { ServiceSpec } from "../runtime";
import { serviceEnv } from "../service-env";
import { DEFAULT_START_LIMIT, type StartLimit } from "../start-limit";
import {
  escapePathValue,
  escapeText,
  quoteEnvAssignment,
  quoteExecArg,
  quoteExecPath,
  quotePathListEntry,
} from "./systemd-escape";

// Pure renderer: ServiceSpec -> the text of a user unit `sysward-NAME.service`, with
// restart-on-failure and systemd's sandboxing directives. No I/O here; systemd-runtime writes it.

export interface UnitOptions {
  /** Delay between a crash and the restart (systemd has no exponential backoff before v254). Default 1. */
  restartSec?: number;
  /** At most `startLimitBurst` starts per `startLimitIntervalSec`, then the unit is failed. Defaults 5 / 60 (start-limit.ts, shared with the supervisor). */
  startLimitBurst?: number;
  startLimitIntervalSec?: number;
  /** SIGTERM, then SIGKILL after this long on stop. Default 10. */
  timeoutStopSec?: number;
  /** false (SYSWARD_SANDBOX=off): no sandboxing directives. Default true. */
  sandboxed?: boolean;
}

export function unitName(serviceName: string): string {
  return `sysward-${serviceName}.service`;
}

/** What the unit's lines carry as SYSLOG_IDENTIFIER: the unit's name without ".service". */
export function syslogIdentifier(serviceName: string): string {
  return `sysward-${serviceName}`;
}

/** The start limit a unit rendered with `opts` has. */
export function unitStartLimit(opts: UnitOptions = {}): StartLimit {
  return {
    burst: opts.startLimitBurst ?? DEFAULT_START_LIMIT.burst,
    intervalMs: opts.startLimitIntervalSec !== undefined ? opts.startLimitIntervalSec * 1000 : DEFAULT_START_LIMIT.intervalMs,
  };
}

export function renderUnit(spec: ServiceSpec, opts: UnitOptions = {}): string {
  const env = Object.entries(serviceEnv(spec)).map(([k, v]) => `Environment=${quoteEnvAssignment(k, v)}`);
  const execStart = [quoteExecPath(spec.exec), ...spec.args.map(quoteExecArg)].join(" ");
  const startLimit = unitStartLimit(opts);
  const limits: string[] = [];
  if (spec.limits?.memoryMaxBytes !== undefined) limits.push(`MemoryMax=${positiveInteger(spec.limits.memoryMaxBytes, "memoryMaxBytes")}`);
  if (spec.limits?.cpuQuotaPercent !== undefined) limits.push(`CPUQuota=${positiveInteger(spec.limits.cpuQuotaPercent, "cpuQuotaPercent")}%`);

  return [
    "# Written by the sysward agent; rewritten on every install, do not edit.",
    "[Unit]",
    `Description=${escapeText(`Sysward service ${spec.name} (${spec.versionId})`)}`,
    // Fractions are fine: systemd reads "0.3" as 300 ms.
    `StartLimitIntervalSec=${startLimit.intervalMs / 1000}`,
    `StartLimitBurst=${startLimit.burst}`,
    "",
    "[Service]",
    // exec: start() fails when the binary cannot be executed, instead of "succeeding" and crashing.
    "Type=exec",
    `ExecStart=${execStart}`,
    `WorkingDirectory=${escapePathValue(spec.workDir)}`,
    ...env,
    "Restart=on-failure",
    `RestartSec=${opts.restartSec ?? 1}`,
    `TimeoutStopSec=${opts.timeoutStopSec ?? 10}`,
    "KillMode=control-group",
    // The journal takes this from the stream's header, so logs() finds every line by it, even of a
    // process gone before journald could read its cgroup (_SYSTEMD_USER_UNIT is then missing).
    `SyslogIdentifier=${escapeText(syslogIdentifier(spec.name))}`,
    ...(opts.sandboxed === false ? [] : sandboxDirectives(spec)),
    ...limits,
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}

/** The system read-only, home read-only, only the service's state dir writable. */
function sandboxDirectives(spec: ServiceSpec): string[] {
  return [
    "NoNewPrivileges=yes",
    "PrivateTmp=yes",
    "ProtectSystem=strict",
    "ProtectHome=read-only",
    `ReadWritePaths=${quotePathListEntry(spec.stateDir)}`,
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectControlGroups=yes",
    "RestrictSUIDSGID=yes",
    "LockPersonality=yes",
    "RestrictRealtime=yes",
  ];
}

function positiveInteger(value: number, what: string): number {
  const n = Math.round(value);
  if (!Number.isFinite(n) || n <= 0) throw new DomainError(`limits.${what} must be a positive number, got ${value}`, "invalid-argument");
  return n;
}
