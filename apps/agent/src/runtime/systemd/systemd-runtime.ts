import { readFileSync } from "node:fs";
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
import { checkSpec } from "../check-spec";
import { assertMayStart, type RuntimeIsolation, type SandboxPolicy } from "../isolation";
import { KeyedSerializer } from "../keyed-serializer";
import { readProcStat } from "../proc-stat";
import { assertServiceName } from "../service-name";
import { unsupported } from "../unsupported";
import { journalLine } from "./journal-line";
import { Systemctl } from "./systemctl";
import { renderUnit, unitName, unitStartLimit, type UnitOptions } from "./unit-file";
import { STATUS_PROPERTIES, unitStatus } from "./unit-status";
import { detectUserManager, type Detection } from "./user-manager";

export interface SystemdRuntimeOptions {
  /** Where unit files go. Default ~/.config/systemd/user. */
  unitDir?: string;
  /** Restart delay, start limits, stop timeout written into every unit. */
  unit?: UnitOptions;
  systemctl?: Systemctl;
  /** SYSWARD_SANDBOX; "off" writes units without the sandboxing directives. Default "required". */
  sandbox?: SandboxPolicy;
  /** Paths services must not see: the agent's data dir, a console's on the same host. */
  hiddenPaths?: string[];
}

const DEFAULT_STOP_TIMEOUT_MS = 10_000;
const KILL_GRACE_MS = 5_000;
const POLL_MS = 50;

/** Services as systemd user units (`sysward-NAME.service`), sandboxed by systemd itself. */
export class SystemdRuntime implements Runtime {
  readonly name = "systemd" as const;
  readonly capabilities: RuntimeCapabilities;
  readonly isolation: RuntimeIsolation;

  private readonly unitDir: string;
  private readonly systemctl: Systemctl;
  private readonly ops = new KeyedSerializer();
  /** Services this instance manages, with their cgroup for pids(). */
  private readonly known = new Map<string, { controlGroup?: string; mainPid: number; lastExit?: ServiceStatus["lastExit"] }>();
  private closed = false;

  constructor(private readonly opts: SystemdRuntimeOptions = {}) {
    this.unitDir = opts.unitDir ?? join(homedir(), ".config", "systemd", "user");
    this.systemctl = opts.systemctl ?? new Systemctl();
    const policy = opts.sandbox ?? "required";
    const sandboxed = policy !== "off";
    this.isolation = {
      policy,
      sandboxed,
      separateUsers: false,
      detail: sandboxed
        ? "systemd's sandboxing directives: the system read-only, the version dir read-only, the state dir writable"
        : "the sandbox is turned off (SYSWARD_SANDBOX=off): units run without sandboxing directives",
    };
    this.capabilities = { sandboxing: sandboxed, journalLogs: true, signals: false, survivesAgentRestart: true };
  }

  static detect(): Promise<Detection> {
    return detectUserManager();
  }

  async start(spec: ServiceSpec): Promise<RuntimeHandle> {
    this.assertOpen();
    await checkSpec(spec);
    assertMayStart(this.isolation, spec.name);
    const text = renderUnit(spec, { ...this.opts.unit, sandboxed: this.isolation.sandboxed }); // may refuse the spec: before touching anything
    return this.ops.run(spec.name, async () => {
      await mkdir(spec.stateDir, { recursive: true }); // ReadWritePaths= must exist or the unit fails
      await this.install(spec.name, text);
      await this.launch(spec.name, "restart");
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
    const text = renderUnit(spec, { ...this.opts.unit, sandboxed: this.isolation.sandboxed });
    await this.ops.run(spec.name, async () => {
      const current = await readFile(this.unitPath(spec.name), "utf8").catch(() => undefined);
      if (current !== text) {
        // The unit on disk is another version (or gone): put the asked-for one in place.
        await mkdir(spec.stateDir, { recursive: true });
        await this.install(spec.name, text);
        await this.launch(spec.name, "restart");
        return;
      }
      // Reattach; systemd kept it running (or restarting) while we were away. Start it if it is
      // down, but not if it failed (the start limit gave up on a crash loop): that takes a start().
      this.known.set(spec.name, { mainPid: 0 });
      const status = await this.inspect(spec.name);
      if (status?.state === "stopped") await this.launch(spec.name, "start");
    });
  }

  async *logs(name: string, opts: LogsOptions): AsyncGenerator<LogLine> {
    assertServiceName(name);
    if (!this.known.has(name) && !(await this.unitFileExists(name))) throw new DomainError(`no service named ${name}`, "not-found");
    for await (const entry of this.systemctl.journal(unitName(name), opts)) yield journalLine(entry);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ops.idle();
    this.known.clear();
  }

  private unitPath(name: string): string {
    return join(this.unitDir, unitName(name));
  }

  private async unitFileExists(name: string): Promise<boolean> {
    return (await readFile(this.unitPath(name)).catch(() => undefined)) !== undefined;
  }

  private async install(name: string, text: string): Promise<void> {
    await mkdir(this.unitDir, { recursive: true });
    const tmp = `${this.unitPath(name)}.tmp`;
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, this.unitPath(name));
    await this.systemctl.check(["daemon-reload"]);
  }

  /** enable + start/restart; the job waits until exec succeeded (Type=exec) or failed. */
  private async launch(name: string, verb: "start" | "restart"): Promise<void> {
    const unit = unitName(name);
    await this.systemctl.run(["reset-failed", unit]); // a fresh start limit
    await this.systemctl.check(["enable", unit]);
    await this.systemctl.check([verb, unit], "failed-precondition");
    this.known.set(name, { mainPid: 0 });
    await this.inspect(name);
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
