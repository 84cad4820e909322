import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DomainError } from "../../domain-error";
import type {
  LogLine,
  LogsOptions,
  Runtime,
  RuntimeCapabilities,
  RuntimeHandle,
  ServiceSpec,
  ServiceStatus,
  StopOptions,
} from "../runtime";
import { chooseSandbox, type SandboxChoice } from "../bubblewrap-sandbox";
import { checkSpec } from "../check-spec";
import { assertMayStart, type RuntimeIsolation, type SandboxPolicy } from "../isolation";
import { KeyedSerializer } from "../keyed-serializer";
import { readProcStat } from "../proc-stat";
import { assertServiceName } from "../service-name";
import { prepareServiceFiles } from "../service-files";
import { unsupported } from "../unsupported";
import { journalLine } from "./journal-line";
import { Systemctl, type ManagerMode } from "./systemctl";
import { renderUnit, unitName, unitStartLimit, type RenderOptions, type UnitOptions } from "./unit-file";
import { EXEC_PROPERTIES, execedThenExited, STATUS_PROPERTIES, unitStatus } from "./unit-status";
import { detectManager, type Detection } from "./user-manager";

export interface SystemdRuntimeOptions {
  /**
   * "user": user units of the agent's own user manager. "system": system units of PID 1 (a root
   * agent), each service under its own uid. Default "user"; select-runtime passes what it detected.
   */
  mode?: ManagerMode;
  /** Where unit files go. Default ~/.config/systemd/user, or /etc/systemd/system (kept across reboots) in system mode. */
  unitDir?: string;
  /** Restart delay, start limits, stop timeout written into every unit. */
  unit?: UnitOptions;
  systemctl?: Systemctl;
  /** SYSWARD_SANDBOX; "off" writes units without the sandboxing directives. Default "required". */
  sandbox?: SandboxPolicy;
  /** Paths services must not see: the agent's data dir, a console's on the same host. */
  hiddenPaths?: string[];
  /** System mode: setpriv, which switches each service to its uid. Default: found on PATH. */
  setpriv?: string;
  /** User mode: the bubblewrap the units run services in. Default: found on PATH and probed. */
  bubblewrap?: SandboxChoice;
}

const DEFAULT_STOP_TIMEOUT_MS = 10_000;
const KILL_GRACE_MS = 5_000;
const POLL_MS = 50;

/** Services as systemd units (`sysward-NAME.service`) of the user or system manager: system units walled by systemd, user units by bubblewrap inside them. */
export class SystemdRuntime implements Runtime {
  readonly name = "systemd" as const;
  readonly capabilities: RuntimeCapabilities;
  readonly isolation: RuntimeIsolation;
  readonly mode: ManagerMode;

  /** Where its unit files are written. */
  readonly unitDir: string;
  private readonly systemctl: Systemctl;
  private readonly render: RenderOptions;
  private readonly ops = new KeyedSerializer();
  /** Services this instance manages, with their cgroup for pids() and (system mode) their uid for logs(). */
  private readonly known = new Map<string, { controlGroup?: string; mainPid: number; lastExit?: ServiceStatus["lastExit"]; uid?: number }>();
  private closed = false;

  constructor(private readonly opts: SystemdRuntimeOptions = {}) {
    this.mode = opts.mode ?? "user";
    this.unitDir = opts.unitDir ?? (this.mode === "system" ? "/etc/systemd/system" : join(homedir(), ".config", "systemd", "user"));
    this.systemctl = opts.systemctl ?? new Systemctl({ mode: this.mode });
    const policy = opts.sandbox ?? "required";
    const setpriv = this.mode === "system" && policy !== "off" ? (opts.setpriv ?? findSetpriv()) : undefined;
    // User units run the service inside bubblewrap, probed here as the agent's user.
    const bubblewrap = this.mode === "user" && policy !== "off" ? (opts.bubblewrap ?? chooseSandbox(policy, false)) : undefined;
    // A root agent's services must not run as root: no setpriv, no sandbox.
    const sandboxed = policy !== "off" && (this.mode === "user" ? bubblewrap?.bwrap !== undefined : setpriv !== undefined);
    const separateUsers = this.mode === "system" && sandboxed;
    this.isolation = {
      policy,
      sandboxed,
      separateUsers,
      detail:
        policy === "off"
          ? "the sandbox is turned off (SYSWARD_SANDBOX=off): units run without sandboxing directives"
          : this.mode === "user"
            ? sandboxed
              ? `user units, each service inside ${bubblewrap!.detail}, in a pid namespace of its own; systemd's syscall filter around it`
              : `user units run services inside bubblewrap, and ${bubblewrap!.detail}`
            : sandboxed
              ? "systemd's sandboxing directives: the system read-only, homes and the agent's data out of sight, the version dir read-only, the state dir writable; system units, each service under a uid of its own"
              : "setpriv (util-linux) is not installed, so system units cannot run services under their own uid: install it (Debian: apt-get install util-linux)",
    };
    this.render = {
      mode: this.mode,
      sandboxed,
      hiddenPaths: opts.hiddenPaths ?? [],
      ...(setpriv ? { setpriv } : {}),
      ...(bubblewrap?.bwrap ? { bwrap: bubblewrap.bwrap } : {}),
    };
    this.capabilities = { sandboxing: sandboxed, journalLogs: true, signals: false, survivesAgentRestart: true };
  }

  /** The system manager for a root agent, the user manager for anyone else. */
  static detect(): Promise<Detection> {
    return detectManager();
  }

  async start(spec: ServiceSpec): Promise<RuntimeHandle> {
    this.assertOpen();
    await checkSpec(spec);
    assertMayStart(this.isolation, spec.name);
    const text = this.renderUnit(spec); // may refuse the spec: before touching anything
    return this.ops.run(spec.name, async () => {
      await this.prepareServiceFiles(spec);
      await this.install(spec.name, text);
      await this.launch(spec, "restart");
      return this.handleFor(spec.name);
    });
  }

  async stop(name: string, opts: StopOptions = {}): Promise<void> {
    this.assertOpen();
    if (opts.signal && opts.signal !== "SIGTERM") throw unsupported("systemd", `stopping with ${opts.signal} (units stop with SIGTERM)`);
    await this.ops.run(name, async () => {
      if (!(await this.unitFileExists(name))) return;
      // Disabled too: a stopped service must not come back when the user manager restarts.
      await this.systemctl.run(["disable", unitName(name)]);
      await this.stopUnit(name, opts.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
      // Stopped on purpose reads "stopped", also for a unit the start limit had failed (as in the supervisor).
      await this.systemctl.run(["reset-failed", unitName(name)]);
    });
  }

  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    this.assertOpen();
    await this.ops.run(name, async () => {
      if (await this.unitFileExists(name)) {
        await this.systemctl.run(["disable", unitName(name)]);
        await this.stopUnit(name, opts.force ? 0 : DEFAULT_STOP_TIMEOUT_MS);
        await rm(this.unitPath(name), { force: true });
        await this.systemctl.check(["daemon-reload"]);
        await this.systemctl.run(["reset-failed", unitName(name)]);
      }
      this.known.delete(name);
    });
  }

  async inspect(name: string): Promise<ServiceStatus | undefined> {
    assertServiceName(name);
    if (!this.known.has(name) && !(await this.unitFileExists(name))) return undefined;
    const props = await this.systemctl.show(unitName(name), STATUS_PROPERTIES);
    const status = unitStatus(props, unitStartLimit(this.opts.unit));
    const entry = this.known.get(name);
    if (entry) {
      entry.mainPid = Number(props.MainPID ?? 0);
      entry.controlGroup = props.ControlGroup || entry.controlGroup;
      // systemd clears ExecMain* when it restarts the unit: keep the last exit seen, as the
      // supervisor does, so a restarted service still says why it restarted.
      if (status?.lastExit) entry.lastExit = status.lastExit;
      else if (status && status.restarts > 0 && entry.lastExit) status.lastExit = entry.lastExit;
    }
    return status;
  }

  pids(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [name, entry] of this.known) {
      const roots = entry.controlGroup ? cgroupRoots(entry.controlGroup) : undefined;
      const pids = roots ?? (entry.mainPid > 0 ? [entry.mainPid] : []);
      if (pids.length > 0) out.set(name, pids);
    }
    return out;
  }

  controlGroups(): Map<string, string> {
    const out = new Map<string, string>();
    const root = unifiedRoot();
    if (root === undefined) return out;
    for (const [name, entry] of this.known) if (entry.controlGroup && entry.mainPid > 0) out.set(name, join(root, entry.controlGroup));
    return out;
  }

  async recover(handle: RuntimeHandle, spec: ServiceSpec): Promise<void> {
    this.assertOpen();
    if (handle.runtime !== "systemd" || handle.version !== 1) {
      throw new DomainError(
        `cannot recover ${spec.name}: its handle is for runtime "${handle.runtime}" v${handle.version}, this is "systemd" v1`,
        "failed-precondition",
      );
    }
    await checkSpec(spec);
    assertMayStart(this.isolation, spec.name);
    const text = this.renderUnit(spec);
    await this.ops.run(spec.name, async () => {
      const current = await readFile(this.unitPath(spec.name), "utf8").catch(() => undefined);
      if (current !== text) {
        // The unit on disk is another version (or gone): put the asked-for one in place.
        await this.prepareServiceFiles(spec);
        await this.install(spec.name, text);
        await this.launch(spec, "restart");
        return;
      }
      // Reattach; systemd kept it running (or restarting) while we were away. Start it if it is
      // down, but not if it failed (the start limit gave up on a crash loop): that takes a start().
      this.known.set(spec.name, { mainPid: 0, ...this.uidOf(spec) });
      const status = await this.inspect(spec.name);
      if (status?.state === "stopped") await this.launch(spec, "start");
    });
  }

  async *logs(name: string, opts: LogsOptions): AsyncGenerator<LogLine> {
    assertServiceName(name);
    if (!this.known.has(name) && !(await this.unitFileExists(name))) throw new DomainError(`no service named ${name}`, "not-found");
    // A user unit's lines come from the agent's uid; a system unit's from the service's (or root's,
    // for a stream journald took before setpriv switched).
    const service = this.known.get(name)?.uid;
    const writers = this.mode === "user" ? [process.getuid?.() ?? 0] : [0, ...(service !== undefined ? [service] : [])];
    for await (const entry of this.systemctl.journal(unitName(name), { ...opts, writers })) yield journalLine(entry);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ops.idle();
    this.known.clear();
  }

  private renderUnit(spec: ServiceSpec): string {
    return renderUnit(spec, { ...this.opts.unit, ...this.render });
  }

  /** The uid to remember for logs(): the service's own, in system mode. */
  private uidOf(spec: ServiceSpec): { uid?: number } {
    return this.isolation.separateUsers && spec.user ? { uid: spec.user.uid } : {};
  }

  /** BindPaths= needs the state dir to exist; under its own uid the service owns it and may read its version dir. */
  private async prepareServiceFiles(spec: ServiceSpec): Promise<void> {
    await mkdir(spec.stateDir, { recursive: true });
    if (this.isolation.separateUsers) await prepareServiceFiles(spec);
  }

  private unitPath(name: string): string {
    return join(this.unitDir, unitName(name));
  }

  private async unitFileExists(name: string): Promise<boolean> {
    return (await readFile(this.unitPath(name)).catch(() => undefined)) !== undefined;
  }

  private async install(name: string, text: string): Promise<void> {
    // A manifest's env (Environment= lines) may hold secrets: the unit is for the manager alone.
    // A user's unit dir is made private too; /etc/systemd/system keeps the system's own mode.
    await mkdir(this.unitDir, { recursive: true, ...(this.mode === "user" ? { mode: 0o700 } : {}) });
    const tmp = `${this.unitPath(name)}.tmp`;
    await rm(tmp, { force: true });
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, this.unitPath(name));
    await this.systemctl.check(["daemon-reload"]);
  }

  /** enable + start/restart; the job waits until exec succeeded (Type=exec) or failed. */
  private async launch(spec: ServiceSpec, verb: "start" | "restart"): Promise<void> {
    const unit = unitName(spec.name);
    await this.systemctl.run(["reset-failed", unit]); // a fresh start limit
    await this.systemctl.check(["enable", unit]);
    const r = await this.systemctl.run([verb, unit]);
    // A start job of a Type=exec unit also fails when the service exits before the manager has seen
    // the exec succeed (its SIGCHLD comes first; in the lab, a sandboxed `exit 7` at once). That
    // service did start, and crashed: Restart= takes it from there, as for any crash.
    if (r.code !== 0 && !execedThenExited(await this.systemctl.show(unit, EXEC_PROPERTIES))) throw this.systemctl.failure([verb, unit], r, "failed-precondition");
    this.known.set(spec.name, { mainPid: 0, ...this.uidOf(spec) });
    await this.inspect(spec.name);
  }

  private async stopUnit(name: string, timeoutMs: number): Promise<void> {
    const unit = unitName(name);
    // --no-block: we wait ourselves, so we can escalate on our own timeout rather than the unit's.
    await this.systemctl.check(["stop", "--no-block", unit]);
    if (!(await this.waitInactive(unit, timeoutMs))) {
      await this.systemctl.run(["kill", "--signal=SIGKILL", unit]);
      if (!(await this.waitInactive(unit, KILL_GRACE_MS))) {
        throw new DomainError(`${unit} did not stop even after SIGKILL`, "internal");
      }
    }
    const entry = this.known.get(name);
    if (entry) entry.mainPid = 0;
  }

  private async waitInactive(unit: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { ActiveState } = await this.systemctl.show(unit, ["ActiveState"]);
      if (ActiveState === "inactive" || ActiveState === "failed") return true;
      if (Date.now() >= deadline) return false;
      await sleep(POLL_MS);
    }
  }

  private handleFor(name: string): RuntimeHandle {
    return { runtime: "systemd", version: 1, state: { unit: unitName(name) } };
  }

  private assertOpen(): void {
    if (this.closed) throw new DomainError("the systemd runtime is closed", "failed-precondition");
  }
}

/** setpriv where util-linux puts it (Debian: /usr/bin, /bin on older layouts). */
function findSetpriv(): string | undefined {
  return ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

let unified: { root: string | undefined } | undefined;

/**
 * Where the unified (v2) hierarchy is, which systemd's ControlGroup paths are relative to:
 * /sys/fs/cgroup itself, or /sys/fs/cgroup/unified on a hybrid host; none on a v1-only host.
 */
function unifiedRoot(): string | undefined {
  unified ??= { root: ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"].find((d) => existsSync(join(d, "cgroup.controllers"))) };
  return unified.root;
}

/** Processes of a unit's cgroup whose parent is outside it: the roots of its process trees. */
function cgroupRoots(controlGroup: string): number[] | undefined {
  for (const base of ["/sys/fs/cgroup", "/sys/fs/cgroup/systemd"]) {
    let text: string;
    try {
      text = readFileSync(join(base, controlGroup, "cgroup.procs"), "utf8");
    } catch {
      continue;
    }
    const pids = text.split("\n").filter(Boolean).map(Number);
    const set = new Set(pids);
    return pids.filter((pid) => !set.has(readProcStat(pid)?.ppid ?? -1));
  }
  return undefined;
}
