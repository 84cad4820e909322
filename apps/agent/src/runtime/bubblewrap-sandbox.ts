import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, lstatSync, mkdtempSync, readlinkSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { ServiceSpec } from "./runtime";
import type { SandboxPolicy, ServiceUser } from "./isolation";
import { SERVICE_PATH } from "./service-env";

// The supervisor's sandbox, built with bubblewrap. A service sees only what it needs, not the
// host with a few holes: the system directories read-only, its version dir read-only, its state
// dir writable, a private /tmp, /proc of its own pid namespace (so no other service's processes)
// and nothing else — no home directories, no agent or console data dir, wherever those live.
// No capabilities, NO_NEW_PRIVS (bwrap sets it), so a setuid file cannot raise it.
//
// Root agent: bwrap runs privileged (no user namespace: mapping the service's uid would map it
// onto root outside), builds the mounts, then setpriv drops to the service's own uid with no
// capabilities and an empty bounding set. Agent as a user: bwrap in a user namespace, as that user.
//
// The process the supervisor tracks is bwrap itself: it lives exactly as long as the sandbox,
// leads the process group every process in the sandbox stays in, and exits with the service's
// status, so pid, group-kill and adoption bookkeeping work on it unchanged.

export interface SandboxChoice {
  /** Path of bwrap when services are sandboxed. */
  bwrap?: string;
  /** Path of setpriv when each service runs under its own uid (root agent). */
  setpriv?: string;
  /** What the sandbox is, or why there is none. */
  detail: string;
}

/** System directories a service may read: binaries, libraries, configuration (/etc: resolv.conf, hosts, passwd). */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"];
/** Inside SYSTEM_DIRS but not for services: the agent's configuration (an EnvironmentFile with its settings). */
const HIDDEN_SYSTEM_PATHS = ["/etc/sysward"];
/** What probes run as in root mode: nobody. */
const PROBE_USER: ServiceUser = { uid: 65534, gid: 65534 };

function findExecutable(name: string, path = SERVICE_PATH): string | undefined {
  for (const dir of path.split(":")) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const probed = new Map<string, string | undefined>();

/**
 * Runs one service-shaped sandbox (a version dir, a state dir, the same options) around /bin/true;
 * undefined when it works, else why not. Cached per bwrap and mode.
 */
function probe(bwrap: string, setpriv: string | undefined): string | undefined {
  const key = `${bwrap} ${setpriv ?? ""}`;
  if (!probed.has(key)) {
    const dir = mkdtempSync(join(tmpdir(), "sysward-sandbox-probe-"));
    try {
      const spec = { workDir: dir, stateDir: dir, exec: "/bin/true", args: [], ...(setpriv ? { user: PROBE_USER } : {}) };
      const r = spawnSync(bwrap, sandboxArgs(spec, setpriv), { timeout: 5_000, encoding: "utf8" });
      probed.set(key, r.status === 0 ? undefined : (r.stderr || r.error?.message || `exit ${r.status}`).trim());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return probed.get(key);
}

/** Whether and how services can be sandboxed here; `policy` "off" skips the sandbox even where it works. */
export function chooseSandbox(policy: SandboxPolicy, asRoot = process.getuid?.() === 0): SandboxChoice {
  if (policy === "off") return { detail: "the sandbox is turned off (SYSWARD_SANDBOX=off): services can read whatever the agent's user can" };
  const bwrap = findExecutable("bwrap");
  if (!bwrap) return { detail: "bubblewrap (bwrap) is not installed: install it (Debian: apt-get install bubblewrap)" };
  let setpriv: string | undefined;
  if (asRoot) {
    setpriv = findExecutable("setpriv");
    if (!setpriv) return { detail: "setpriv (util-linux) is not installed, so services cannot get their own uid: install util-linux" };
  }
  const failure = probe(bwrap, setpriv);
  if (failure) return { detail: `bubblewrap at ${bwrap} does not work here (${failure})` };
  return {
    bwrap,
    setpriv,
    detail: `bubblewrap (${bwrap})${setpriv ? ", each service under its own uid" : ""}: the system read-only, the version dir read-only, the state dir writable, nothing else`,
  };
}

let systemArgs: string[] | undefined;

/** The system directories as they are on this host: real dirs bound read-only, merged-/usr symlinks as symlinks. */
function systemMounts(): string[] {
  if (systemArgs) return systemArgs;
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    const st = lstatSync(dir, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) args.push("--symlink", readlinkSync(dir), dir);
    else if (st?.isDirectory()) args.push("--ro-bind", dir, dir);
  }
  // resolv.conf is often a link into /run (systemd-resolved, NetworkManager): bind what it points at.
  const resolv = realpathOrUndefined("/etc/resolv.conf");
  if (resolv && !SYSTEM_DIRS.some((d) => isInside(resolv, d))) args.push("--ro-bind", resolv, resolv);
  for (const hidden of HIDDEN_SYSTEM_PATHS) if (existsSync(hidden)) args.push("--tmpfs", hidden);
  systemArgs = args;
  return args;
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * The directories above a bind target, made traversable (0755) in the sandbox's own root: the
 * real ones may be 0700 (the agent's data dir), which a service under its own uid could not cross.
 */
function parentDirs(paths: string[]): string[] {
  const dirs = new Set<string>();
  for (const p of paths) {
    for (let d = dirname(resolve(p)); d !== sep && !SYSTEM_DIRS.some((s) => isInside(d, s)); d = dirname(d)) dirs.add(d);
  }
  return [...dirs].sort((a, b) => a.length - b.length).flatMap((d) => ["--perms", "0755", "--dir", d]);
}

type SandboxedSpec = Pick<ServiceSpec, "workDir" | "stateDir" | "exec" | "args" | "user">;

/**
 * The bwrap command line that runs `spec` sandboxed; with `setpriv` (root agent) the service
 * runs as `spec.user`, which must then be set.
 */
export function sandboxArgs(spec: SandboxedSpec, setpriv?: string): string[] {
  const binds = [spec.workDir, spec.stateDir];
  const execDir = dirname(spec.exec);
  const execOutside = !isInside(execDir, spec.workDir);
  if (execOutside) binds.push(execDir);
  const args = [
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...systemMounts(),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--perms",
    "1777",
    "--tmpfs",
    "/tmp",
    "--perms",
    "1777",
    "--tmpfs",
    "/var/tmp",
    ...parentDirs(binds),
    "--ro-bind",
    spec.workDir,
    spec.workDir,
    ...(execOutside ? ["--ro-bind", execDir, execDir] : []),
    "--bind",
    spec.stateDir,
    spec.stateDir,
    "--chdir",
    spec.workDir,
    "--cap-drop",
    "ALL",
  ];
  if (!setpriv) return [...args, "--", spec.exec, ...spec.args];
  if (!spec.user) throw new Error(`a root agent runs each service under its own uid, but none was given for ${spec.exec}`);
  const { uid, gid } = spec.user;
  return [
    ...args,
    // Only what setpriv needs to switch to the service's uid; switching drops them all again.
    ...["CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"].flatMap((c) => ["--cap-add", c]),
    "--",
    setpriv,
    `--reuid=${uid}`,
    `--regid=${gid}`,
    "--clear-groups",
    "--inh-caps=-all",
    "--bounding-set=-all",
    "--",
    spec.exec,
    ...spec.args,
  ];
}
