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
import { KeyedSerializer } from "../keyed-serializer";
import { isSameLiveProcess, signalProcessGroup } from "../proc-stat";
import { assertServiceName } from "../service-name";
import { DEFAULT_START_LIMIT, type StartLimit } from "../start-limit";
import { DEFAULT_BACKOFF, type BackoffPolicy } from "./backoff";
import { isThisBoot } from "./boot-id";
import { HandleStore, type RecordedProcess, type ServiceRecord } from "./handle-store";
import { logFiles } from "./log-files";
import { readLogs } from "./log-reader";
import { isLargerThan, rotateIfLarger } from "./log-rotator";
import { ProcessHandle, type CarriedOver } from "./process-handle";
import { assertMayStart, type RuntimeIsolation, type SandboxPolicy } from "../isolation";
import { chooseSandbox, type SandboxChoice } from "../bubblewrap-sandbox";

export interface SupervisorRuntimeOptions {
  /** Where the runtime keeps one record (pid file) per service. */
  stateDir: string;
  /** Rotate a service's stdout.log/stderr.log past this size. Default 10 MiB. */
  logMaxBytes?: number;
  /** Rotated generations kept per log file. Default 3. */
  logKeep?: number;
  /** Restart delays after crashes. Default 1 s doubling to 60 s. */
  backoff?: BackoffPolicy;
  /**
   * SYSWARD_SANDBOX. "required" (default): services run only inside bubblewrap, start() refuses
   * otherwise; "auto": bubblewrap where it works, else unsandboxed (said in `isolation`); "off": never.
   */
  sandbox?: SandboxPolicy;
  /** Uptime after which a crash counts as a new streak (backoff starts over). Default 10 s. */
  stableAfterMs?: number;
  /**
   * The burst-th crash within the interval ends the restarts: state `failed` until start().
   * Default 5 in 60 s, what the systemd runtime writes into its units. { burst: 0 } never gives up.
   */
  startLimit?: StartLimit;
  /** Period of the housekeeping tick: watching adopted processes; log sizes every LOG_CHECK_TICKS-th tick. Default 1 s. */
  tickMs?: number;
  /** How often a following logs() reader looks for new output. Default 250 ms. */
  logPollMs?: number;
  /** Where housekeeping failures go (pino's logger fits). */
  logger?: { warn(obj: object, msg: string): void };
}

/**
 * Log sizes are looked at every 10th tick (10 s by default), not every tick: two stats per service
 * each second were ~6 % of an idle agent's CPU (perf, 10 services). A log may pass logMaxBytes by
 * what its service writes in those seconds before it is rotated.
 */
const LOG_CHECK_TICKS = 10;

/** The agent's own supervisor: services as detached process groups that outlive the agent. */
export class SupervisorRuntime implements Runtime {
  readonly name = "supervisor" as const;
  readonly capabilities: RuntimeCapabilities;
  readonly isolation: RuntimeIsolation;

  private readonly handles = new Map<string, ProcessHandle>();
  private readonly store: HandleStore;
  private readonly ops = new KeyedSerializer();
  private readonly sandbox: SandboxChoice;
  private readonly timer: NodeJS.Timeout;
  private rotating = false;
  private ticks = 0;
  private closed = false;

  constructor(private readonly opts: SupervisorRuntimeOptions) {
    this.store = new HandleStore(opts.stateDir);
    const policy = opts.sandbox ?? "required";
    this.sandbox = chooseSandbox(policy);
    const sandboxed = this.sandbox.bwrap !== undefined;
    this.isolation = { policy, sandboxed, separateUsers: this.sandbox.setpriv !== undefined, detail: this.sandbox.detail };
    this.capabilities = { sandboxing: sandboxed, journalLogs: false, signals: true, survivesAgentRestart: true };
    this.timer = setInterval(() => this.tick(), opts.tickMs ?? 1_000);
    this.timer.unref();
  }

  async start(spec: ServiceSpec): Promise<RuntimeHandle> {
    this.assertOpen();
    assertServiceName(spec.name);
    return this.ops.run(spec.name, async () => {
      this.assertOpen();
      await checkSpec(spec); // before retiring the old one: a bad spec leaves it running
      this.checkIsolation(spec);
      await this.retire(spec.name);
      return this.runtimeHandle(await this.launch(spec));
    });
  }

  async stop(name: string, opts?: StopOptions): Promise<void> {
    this.assertOpen();
    return this.ops.run(name, async () => {
      await this.known(name)?.stop(opts);
    });
  }

  async remove(name: string, opts?: { force?: boolean }): Promise<void> {
    this.assertOpen();
    return this.ops.run(name, async () => {
      await this.retire(name, opts?.force ? { signal: "SIGKILL", timeoutMs: 0 } : undefined);
      this.store.remove(name);
    });
  }

  async inspect(name: string): Promise<ServiceStatus | undefined> {
    return this.handles.get(name)?.status();
  }

  pids(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [name, handle] of this.handles) {
      const { pids } = handle.status();
      if (pids.length > 0) out.set(name, pids);
    }
    return out;
  }

  async recover(handle: RuntimeHandle, spec: ServiceSpec): Promise<void> {
    this.assertOpen();
    assertServiceName(spec.name);
    if (handle.runtime !== "supervisor" || handle.version !== 1) {
      throw new DomainError(
        `cannot recover ${spec.name}: its handle is for runtime "${handle.runtime}" v${handle.version}, this is "supervisor" v1`,
        "failed-precondition",
      );
    }
    return this.ops.run(spec.name, async () => {
      this.assertOpen();
      const known = this.handles.get(spec.name);
      if (known && sameVersion(known.spec, spec) && !["stopped", "failed"].includes(known.status().state)) return;
      if (known) {
        // Start over from the record on disk, which is what an agent restart looks like anyway.
        known.detach();
        this.handles.delete(spec.name);
      }

      const record = this.store.read(spec.name);
      // A record of another boot (the machine restarted): its pids name other processes now, and
      // a failure there does not hold, just as systemd starts an enabled unit afresh at boot.
      const thisBoot = isThisBoot(record?.bootId);
      // The record is newer than the caller's handle (restarts change the pid); the handle is the fallback.
      const last = thisBoot ? (record?.process ?? processFromHandle(handle)) : undefined;
      if (record && !sameVersion(record.spec, spec)) {
        // Another version survived (e.g. the agent died mid-install): replace it with the one asked for.
        await checkSpec(spec);
        await this.retire(spec.name);
        await this.launch(spec);
        return;
      }
      const fresh = this.newHandle(spec);
      const carried = carriedOver(record, thisBoot);
      if (last && isSameLiveProcess(last.pid, last.startTime)) {
        fresh.adopt(last, carried);
        return;
      }
      if (record?.failure && thisBoot) {
        // The start limit gave up on it before the agent went down: a crash loop is not restarted
        // blindly. It stays failed (reason, last exit kept) until start(): Start, Restart, install.
        fresh.restoreFailure(record.failure, record.restarts);
        return;
      }
      // Died while we were away. Helpers it left in its group go too (the reuse guard spares strangers).
      if (last) signalProcessGroup(last.pid, last.startTime, "SIGKILL");
      await fresh.restartAfterAgentDowntime(carried);
    });
  }

  async *logs(name: string, opts: LogsOptions): AsyncGenerator<LogLine> {
    const spec = this.handles.get(name)?.spec ?? this.store.read(name)?.spec;
    if (!spec) throw new DomainError(`no service named ${name}`, "not-found");
    const files = logFiles(spec.logDir);
    yield* readLogs(
      [
        { path: files.stdout, stream: "stdout" },
        { path: files.stderr, stream: "stderr" },
      ],
      { ...opts, pollMs: this.opts.logPollMs },
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.ops.idle();
    for (const handle of this.handles.values()) handle.detach();
    this.handles.clear();
  }

  /** Starts a checked spec. */
  private async launch(spec: ServiceSpec): Promise<ProcessHandle> {
    this.checkIsolation(spec);
    const handle = this.newHandle(spec);
    try {
      await handle.start();
    } catch (err) {
      throw new DomainError(`could not start ${spec.name}: ${(err as Error).message}`, "failed-precondition");
    }
    return handle;
  }

  private newHandle(spec: ServiceSpec): ProcessHandle {
    const handle = new ProcessHandle(spec, {
      store: this.store,
      backoff: this.opts.backoff ?? DEFAULT_BACKOFF,
      stableAfterMs: this.opts.stableAfterMs ?? 10_000,
      startLimit: this.opts.startLimit ?? DEFAULT_START_LIMIT,
      sandbox: this.sandbox,
    });
    this.handles.set(spec.name, handle);
    return handle;
  }

  /** The handle for `name`, adopting a process a previous agent left running if recover() has not run yet. */
  private known(name: string): ProcessHandle | undefined {
    const handle = this.handles.get(name);
    if (handle) return handle;
    const record = this.store.read(name);
    if (!record?.process || !isThisBoot(record.bootId) || !isSameLiveProcess(record.process.pid, record.process.startTime)) return undefined;
    const orphan = this.newHandle(record.spec);
    orphan.adopt(record.process, carriedOver(record, true));
    return orphan;
  }

  /** Stops and forgets the current process of `name`, if any. */
  private async retire(name: string, opts?: StopOptions): Promise<void> {
    const handle = this.known(name);
    if (!handle) return;
    await handle.stop(opts);
    handle.detach();
    this.handles.delete(name);
  }

  private runtimeHandle(handle: ProcessHandle): RuntimeHandle {
    return { runtime: "supervisor", version: 1, state: { stateFile: this.store.path(handle.spec.name), ...handle.current() } };
  }

  private tick(): void {
    for (const handle of this.handles.values()) handle.poll();
    if (this.rotating || this.ticks++ % LOG_CHECK_TICKS !== 0) return;
    this.rotating = true;
    const max = this.opts.logMaxBytes ?? 10 * 1024 * 1024;
    const keep = this.opts.logKeep ?? 3;
    const jobs = [...this.handles.values()].flatMap((h) => {
      const files = logFiles(h.spec.logDir);
      return [files.stdout, files.stderr]
        .filter((path) => isLargerThan(path, max))
        .map((path) => rotateIfLarger(path, max, keep).catch((err: unknown) => this.opts.logger?.warn({ err, path }, "log rotation failed")));
    });
    if (jobs.length === 0) {
      this.rotating = false;
      return;
    }
    void Promise.all(jobs).finally(() => {
      this.rotating = false;
    });
  }

  /** Closed by default: no sandbox (unless allowed) or no uid of its own under a root agent, no start. */
  private checkIsolation(spec: ServiceSpec): void {
    assertMayStart(this.isolation, spec.name);
    if (this.isolation.separateUsers && !spec.user) {
      throw new DomainError(`${spec.name}: a root agent runs every service under a uid of its own, and none was assigned`, "failed-precondition");
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new DomainError("the supervisor runtime is closed", "failed-precondition");
  }
}

function sameVersion(a: ServiceSpec, b: ServiceSpec): boolean {
  return a.versionId === b.versionId && a.exec === b.exec && a.workDir === b.workDir;
}

/** Restart count and recent crashes from the pid file; nothing from another boot. */
function carriedOver(record: ServiceRecord | undefined, thisBoot: boolean): CarriedOver {
  if (!record || !thisBoot) return { restarts: 0, crashes: [] };
  return { restarts: record.restarts, crashes: (record.crashes ?? []).map((t) => Date.parse(t)) };
}

function processFromHandle(handle: RuntimeHandle): RecordedProcess | undefined {
  const { pid, startTime, startedAt } = handle.state;
  if (typeof pid !== "number" || typeof startTime !== "string") return undefined;
  return { pid, startTime, startedAt: typeof startedAt === "string" ? startedAt : new Date().toISOString() };
}
