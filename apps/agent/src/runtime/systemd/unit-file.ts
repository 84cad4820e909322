import { dirname, isAbsolute, normalize, relative } from "node:path";
import { DomainError } from "../../domain-error";
import { sandboxArgs } from "../bubblewrap-sandbox";
import type { ServiceUser } from "../isolation";
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
import type { ManagerMode } from "./systemctl";

// Renderer: ServiceSpec -> the text of a unit `sysward-NAME.service` (a user unit, or a system unit
// for a root agent), with restart-on-failure and the sandbox. No writes here; systemd-runtime writes
// it (a user unit's bubblewrap mounts follow this host's system dirs, read once). Every directive
// was tried on systemd 252 in a lab machine, for user and system units: those that do nothing
// there, or break the unit, are left out (below).
//
// System units are walled by systemd's own directives. User units run the service inside the
// supervisor's bubblewrap sandbox (bubblewrap-sandbox.ts), which gives them what a user manager
// cannot: a pid namespace of their own (PrivatePIDs= needs systemd 257), so no other process of the
// agent's user is visible or can be signalled; systemd keeps supervising, limiting and filtering.

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

/** What the runtime knows beyond the unit timings: which manager, what to hide. */
export interface RenderOptions extends UnitOptions {
  /** "system": a system unit, the service switched to spec.user's uid. Default "user". */
  mode?: ManagerMode;
  /** System units: paths the service must not see (the agent's data dir); its own dirs inside them are mounted back. User units see no home at all. */
  hiddenPaths?: readonly string[];
  /** System mode, sandboxed: setpriv's path (util-linux), which switches to the service's uid. */
  setpriv?: string;
  /** User mode, sandboxed: bubblewrap's path; the service runs inside it. */
  bwrap?: string;
}

/** The agent's settings in root mode (an EnvironmentFile with its token); the supervisor hides it too. */
const HIDDEN_SYSTEM_PATHS = ["/etc/sysward"];
/**
 * journald's socket for new stdout streams: the service's own output was connected before the
 * sandbox, so hiding it only stops a service passing lines off as another's (`systemd-cat -t`).
 */
const JOURNAL_STREAM_SOCKET = "/run/systemd/journal/stdout";

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

export function renderUnit(spec: ServiceSpec, opts: RenderOptions = {}): string {
  const mode = opts.mode ?? "user";
  const sandboxed = opts.sandboxed !== false;
  const env = Object.entries(serviceEnv(spec)).map(([k, v]) => `Environment=${quoteEnvAssignment(k, v)}`);
  const command = [quoteExecPath(spec.exec), ...spec.args.map(quoteExecArg)];
  const execStart = (!sandboxed ? command : mode === "system" ? [...switchUser(spec, opts.setpriv), ...command] : inBubblewrap(spec, opts.bwrap)).join(" ");
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
    // process gone before journald could read its cgroup (_SYSTEMD_USER_UNIT/_SYSTEMD_UNIT is then missing).
    `SyslogIdentifier=${escapeText(syslogIdentifier(spec.name))}`,
    ...(!sandboxed ? [] : mode === "system" ? sandboxDirectives(spec, opts.hiddenPaths ?? []) : USER_UNIT_DIRECTIVES),
    ...limits,
    "",
    "[Install]",
    // The system manager's boot target, or the user manager's (started at boot for a lingering user).
    `WantedBy=${mode === "system" ? "multi-user.target" : "default.target"}`,
    "",
  ].join("\n");
}

/**
 * System mode: setpriv drops from root to the service's own uid right before exec, with no
 * groups and no capabilities left. systemd 252's User= would be simpler, but it refuses a uid
 * without a passwd entry ("Failed to determine user credentials", 217/USER, seen in the lab),
 * and services' uids have none.
 */
function switchUser(spec: ServiceSpec, setpriv: string | undefined): string[] {
  if (!setpriv) throw new DomainError(`${spec.name}: system units switch to the service's uid with setpriv, which was not found`, "failed-precondition");
  const { uid, gid } = serviceUser(spec);
  return [quoteExecPath(setpriv), ...[`--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--"].map(quoteExecArg)];
}

/** User mode: the service's command inside bubblewrap, with the supervisor's mounts and namespaces. */
function inBubblewrap(spec: ServiceSpec, bwrap: string | undefined): string[] {
  if (!bwrap) throw new DomainError(`${spec.name}: user units run services inside bubblewrap, which was not found: install it (Debian: apt-get install bubblewrap)`, "failed-precondition");
  return [quoteExecPath(bwrap), ...sandboxArgs(spec).map(quoteExecArg)];
}

/**
 * What systemd adds around bubblewrap in a user unit: what holds for bwrap and the service alike
 * (no new privileges, no realtime, no setuid files, the address families) and the syscall filter
 * with the mount calls and capset bwrap needs to build the sandbox (the service has no capability
 * left to use them). Not RestrictNamespaces=: bwrap needs a user namespace, and a filter cannot tell
 * its clone() from the service's, so a service may make namespaces of its own (with nothing more
 * than it had). Not CapabilityBoundingSet=: a user manager cannot drop it (218/CAPABILITIES), and
 * bwrap drops every capability itself. systemd's mount directives need PrivateUsers=, whose
 * namespace would lock /proc so bwrap could not mount the pid namespace's own.
 */
const USER_UNIT_DIRECTIVES = [
  "NoNewPrivileges=yes",
  "RestrictSUIDSGID=yes",
  "RestrictRealtime=yes",
  "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
  "LockPersonality=yes",
  "KeyringMode=private",
  "UMask=0077",
  "SystemCallArchitectures=native",
  "SystemCallFilter=@system-service",
  "SystemCallFilter=~@privileged @resources",
  "SystemCallFilter=@mount capset",
  "SystemCallErrorNumber=EPERM",
];

function serviceUser(spec: ServiceSpec): ServiceUser {
  if (!spec.user) throw new DomainError(`${spec.name}: a root agent runs every service under a uid of its own, and none was assigned`, "failed-precondition");
  const { uid, gid } = spec.user;
  for (const [what, id] of [["uid", uid], ["gid", gid]] as const) {
    // Not root, and not (uid_t)-1, which set*id() reads as "leave unchanged".
    if (!Number.isInteger(id) || id <= 0 || id >= 0xffffffff) {
      throw new DomainError(`${spec.name}: the service's ${what} must be a positive integer other than root's, got ${id}`, "invalid-argument");
    }
  }
  return { uid, gid };
}

/**
 * A system unit's walls: only the service's own files: the system read-only; homes, the hidden paths (the agent's data dir
 * with every package) and the agent's settings out of sight; then its version dir mounted back
 * read-only and its state dir writable. No capabilities, no new privileges, a syscall allow-list.
 */
function sandboxDirectives(spec: ServiceSpec, hiddenPaths: readonly string[]): string[] {
  const execDir = dirname(spec.exec);
  const readOnly = isInside(execDir, spec.workDir) ? [spec.workDir] : [spec.workDir, execDir];
  const own = [...readOnly, spec.stateDir];
  const hidden = [...new Set(hiddenPaths.map((p) => normalize(p).replace(/(?<=.)\/+$/, "")))];
  // An empty tmpfs where the service's own dirs are mounted back into it (systemd makes their mount
  // points; TemporaryFileSystem= fails the unit for a path that does not exist, but these hold the
  // version dir, so they do); anything else inaccessible, "-": fine if it does not exist.
  const covers = (p: string) => own.some((d) => isInside(d, p));
  const list = (directive: string, paths: readonly string[], o: Parameters<typeof quotePathListEntry>[1] = {}) =>
    paths.length > 0 ? [`${directive}=${paths.map((p) => quotePathListEntry(p, o)).join(" ")}`] : [];
  return [
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    // tmpfs rather than "yes": the service's dirs can be mounted back into it, wherever the data dir
    // lives (/root, /home/USER/.local/share). It also hides /run/user: no user manager, no session bus.
    "ProtectHome=tmpfs",
    ...list("TemporaryFileSystem", hidden.filter(covers), { mount: "tmpfs", suffix: ":ro" }),
    ...list("InaccessiblePaths", [...hidden.filter((p) => !covers(p)), ...HIDDEN_SYSTEM_PATHS, JOURNAL_STREAM_SOCKET], { prefix: "-" }),
    ...list("BindReadOnlyPaths", readOnly, { mount: "bind" }),
    ...list("BindPaths", [spec.stateDir], { mount: "bind" }),
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "PrivateIPC=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    // Other users' processes invisible. ProcSubset=pid is left out: it hides /proc/cpuinfo and
    // /proc/meminfo, which runtimes read (Node's os.cpus() comes back empty).
    "ProtectProc=invisible",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "ProtectHostname=yes",
    "RestrictSUIDSGID=yes",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
    "LockPersonality=yes",
    "KeyringMode=private",
    "UMask=0077",
    // Only what setpriv needs to switch to the service's uid; it drops them all.
    "CapabilityBoundingSet=CAP_SETUID CAP_SETGID CAP_SETPCAP",
    "SystemCallArchitectures=native",
    "SystemCallFilter=@system-service",
    "SystemCallFilter=~@privileged @resources",
    // setpriv's setresuid()/setgroups()/capset() come after the filter; without capabilities they
    // can only drop what the service has.
    "SystemCallFilter=@setuid capset",
    // A refused call fails with EPERM (programs fall back) instead of killing the service.
    "SystemCallErrorNumber=EPERM",
  ];
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (rel !== ".." && !rel.startsWith("../") && !isAbsolute(rel));
}

function positiveInteger(value: number, what: string): number {
  const n = Math.round(value);
  if (!Number.isFinite(n) || n <= 0) throw new DomainError(`limits.${what} must be a positive number, got ${value}`, "invalid-argument");
  return n;
}
