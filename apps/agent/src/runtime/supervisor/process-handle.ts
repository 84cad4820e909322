import type { ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import type { ExitResult, ServiceRunState, ServiceSpec, ServiceStatus, StopOptions } from "../runtime";
import { isSameLiveProcess, processGroupAlive, signalProcessGroup } from "../proc-stat";
import { CrashWindow, crashLoopReason, describeExit, type StartLimit } from "../start-limit";
import { Backoff, type BackoffPolicy } from "./backoff";
import { currentBootId } from "./boot-id";
import type { HandleStore, RecordedFailure, RecordedProcess } from "./handle-store";
import { launchService } from "./launch-service";
import { isCleanExit } from "./restart-policy";
import type { SandboxChoice } from "../bubblewrap-sandbox";

export interface ProcessHandleOptions {
  store: HandleStore;
  backoff: BackoffPolicy;
  /** A process up this long ends its crash streak (the next crash restarts after `initialMs`). */
  stableAfterMs: number;
  /** Crashes tolerated within an interval before it is given up on (state `failed`). */
  startLimit: StartLimit;
  sandbox: SandboxChoice;
}

/** What the pid file of an earlier agent carries over into a recovered handle. */
export interface CarriedOver {
  restarts: number;
  /** Crash times (ms since the epoch) that may still count towards the start limit. */
  crashes: number[];
}

interface LiveProcess extends RecordedProcess {
  /** Our child; absent for a process adopted after an agent restart (watched by poll()). */
  child?: ChildProcess;
}

const DEFAULT_STOP_TIMEOUT_MS = 10_000;
/** After SIGKILL a group dies at once; this only bounds the wait if the kernel is very slow. */
const KILL_GRACE_MS = 5_000;
const STOP_POLL_MS = 10;
const STOP_POLL_MAX_MS = 200;

/**
 * One supervised service: its live process (a detached process group), restart-on-failure
 * with exponential backoff until the start limit gives up (state `failed`, with a reason), and
 * stop with SIGKILL escalation. Every change is written to the service's record in the HandleStore.
 */
export class ProcessHandle {
  private state: ServiceRunState = "stopped";
  private since = new Date();
  private restarts = 0;
  private lastExit?: ExitResult;
  /** Why it is `failed`; cleared by start(). */
  private reason?: string;
  private crashes: CrashWindow;
  private desired: "running" | "stopped" = "stopped";
  private proc?: LiveProcess;
  private readonly backoff: Backoff;
  private backoffTimer?: NodeJS.Timeout;
  private spawning?: Promise<void>;
  private stopping?: Promise<void>;
  private detached = false;

  constructor(
    readonly spec: ServiceSpec,
    private readonly opts: ProcessHandleOptions,
  ) {
    this.backoff = new Backoff(opts.backoff, opts.stableAfterMs);
    this.crashes = new CrashWindow(opts.startLimit);
  }

  /**
   * First start (or start after stop or failure): a fresh crash streak, start-limit window and
   * restart count. Throws if it cannot spawn.
   */
  async start(): Promise<void> {
    this.desired = "running";
    this.restarts = 0;
    this.backoff.reset();
    this.crashes.reset();
    this.reason = undefined;
    this.setState("starting");
    try {
      await this.spawn();
    } catch (err) {
      this.fail(`could not be started: ${errorMessage(err)} — fix it, then start it again`);
      throw err;
    }
  }

  /** Takes over a process that survived an agent restart; it is watched by poll() from now on. */
  adopt(process: RecordedProcess, carried: CarriedOver): void {
    this.desired = "running";
    this.restarts = carried.restarts;
    this.crashes = new CrashWindow(this.opts.startLimit, carried.crashes);
    this.proc = { ...process };
    this.since = new Date(process.startedAt);
    this.state = "running";
    this.persist();
  }

  /**
   * The process died while the agent was down: start it again, counted as a restart (not as a
   * crash towards the start limit: when it died is unknown; crashes the old agent saw still count).
   */
  async restartAfterAgentDowntime(carried: CarriedOver): Promise<void> {
    this.desired = "running";
    this.restarts = carried.restarts + 1;
    this.crashes = new CrashWindow(this.opts.startLimit, carried.crashes);
    this.lastExit = { code: null, signal: null, at: new Date() };
    this.setState("starting");
    try {
      await this.spawn();
    } catch (err) {
      this.afterCrash(0, `start failed: ${errorMessage(err)}`);
    }
  }

  /** The start limit had given up on it before the agent restarted: it stays failed, nothing runs. */
  restoreFailure(failure: RecordedFailure, restarts: number): void {
    this.desired = "stopped";
    this.restarts = restarts;
    this.reason = failure.reason;
    this.lastExit = failure.lastExit && { ...failure.lastExit, at: new Date(failure.lastExit.at) };
    this.state = "failed";
    this.since = new Date(failure.at);
    this.persist();
  }

  /** Checks an adopted process (not our child, so no exit event): gone or pid reused means it exited. */
  poll(): void {
    const p = this.proc;
    if (this.detached || !p || p.child || this.stopping) return;
    if (!isSameLiveProcess(p.pid, p.startTime)) this.onExit(p, null, null);
  }

  stop(opts: StopOptions = {}): Promise<void> {
    this.stopping ??= this.doStop(opts).finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  /** Agent shutdown: forget the process without touching it. */
  detach(): void {
    this.detached = true;
    clearTimeout(this.backoffTimer);
    this.proc?.child?.removeAllListeners("exit");
  }

  status(): ServiceStatus {
    const running = this.proc !== undefined && (this.state === "running" || this.state === "starting");
    return {
      state: this.state,
      pids: running ? [this.proc!.pid] : [],
      since: this.since,
      restarts: this.restarts,
      ...(this.lastExit ? { lastExit: this.lastExit } : {}),
      ...(this.state === "failed" && this.reason ? { reason: this.reason } : {}),
    };
  }

  /** Pid and start time of the current process, for the RuntimeHandle. */
  current(): RecordedProcess | undefined {
    const p = this.proc;
    return p && { pid: p.pid, startTime: p.startTime, startedAt: p.startedAt };
  }

  private async spawn(): Promise<void> {
    const attempt = (async () => {
      const launched = await launchService(this.spec, this.opts.sandbox);
      const proc: LiveProcess = {
        pid: launched.pid,
        startTime: launched.startTime,
        startedAt: launched.startedAt.toISOString(),
        child: launched.child,
      };
      this.proc = proc;
      launched.child.once("exit", (code, signal) => this.onExit(proc, code, signal));
      this.setState("running");
    })();
    this.spawning = attempt;
    try {
      await attempt;
    } finally {
      if (this.spawning === attempt) this.spawning = undefined;
    }
  }

  private onExit(proc: LiveProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.detached || this.proc !== proc) return;
    this.proc = undefined;
    this.lastExit = { code, signal, at: new Date() };
    if (this.desired === "stopped") {
      // stop() is waiting for the whole group and sets the final state.
      return;
    }
    // Like systemd's KillMode=control-group: helpers the main process left behind go with it.
    signalProcessGroup(proc.pid, proc.startTime, "SIGKILL");
    if (isCleanExit(code, signal)) {
      this.setState("stopped");
      return;
    }
    this.afterCrash(Date.now() - Date.parse(proc.startedAt), describeExit(this.lastExit));
  }

  /** A crash or a failed restart: restart after the backoff, unless the start limit gives up on it. */
  private afterCrash(uptimeMs: number, last: string | undefined): void {
    if (this.crashes.record(Date.now())) {
      this.fail(crashLoopReason(this.opts.startLimit, last));
      return;
    }
    this.scheduleRestart(uptimeMs);
  }

  /** Gives up: nothing runs or restarts until start(). The reason is kept in the pid file too. */
  private fail(reason: string): void {
    this.desired = "stopped";
    this.reason = reason;
    this.setState("failed");
  }

  private scheduleRestart(uptimeMs: number): void {
    const delay = this.backoff.next(uptimeMs);
    this.setState("backoff");
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      if (this.detached || this.desired !== "running") return;
      this.restarts++;
      this.spawn().catch((err: unknown) => {
        this.lastExit = { code: null, signal: null, at: new Date() };
        if (!this.detached && this.desired === "running") this.afterCrash(0, `restart failed: ${errorMessage(err)}`);
      });
    }, delay);
    // The agent's server keeps the event loop alive; a pending restart alone should not.
    this.backoffTimer.unref();
  }

  private async doStop(opts: StopOptions): Promise<void> {
    this.desired = "stopped";
    clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    await this.spawning?.catch(() => undefined);
    const p = this.proc;
    if (p) {
      const timeoutMs = opts.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
      signalProcessGroup(p.pid, p.startTime, opts.signal ?? "SIGTERM");
      if (!(await waitForGroupExit(p, timeoutMs))) {
        signalProcessGroup(p.pid, p.startTime, "SIGKILL");
        if (!(await waitForGroupExit(p, KILL_GRACE_MS))) {
          throw new Error(`process group ${p.pid} of ${this.spec.name} survived SIGKILL`);
        }
      }
      if (this.proc === p) {
        // Adopted processes (no exit event) end here.
        this.proc = undefined;
        this.lastExit ??= { code: null, signal: null, at: new Date() };
      }
    }
    if (this.state !== "stopped") this.setState("stopped");
    else this.persist();
  }

  private setState(state: ServiceRunState): void {
    this.state = state;
    this.since = new Date();
    this.persist();
  }

  private persist(): void {
    if (this.detached) return;
    const failed = this.state === "failed" && this.reason !== undefined;
    const lastExit = this.lastExit && { ...this.lastExit, at: this.lastExit.at.toISOString() };
    this.opts.store.write({
      version: 1,
      name: this.spec.name,
      spec: this.spec,
      desired: this.desired,
      process: this.current(),
      restarts: this.restarts,
      bootId: currentBootId(),
      crashes: this.crashes.snapshot().map((t) => new Date(t).toISOString()),
      ...(failed ? { failure: { reason: this.reason!, at: this.since.toISOString(), ...(lastExit ? { lastExit } : {}) } } : {}),
    });
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Waits until neither the leader nor any member of its group is alive (zombies do not count). */
async function waitForGroupExit(p: LiveProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; ; round++) {
    const leaderGone = p.child ? p.child.exitCode !== null || p.child.signalCode !== null : !isSameLiveProcess(p.pid, p.startTime);
    // Scanning /proc for group members costs more than one stat read: only once the leader is gone.
    if (leaderGone && !processGroupAlive(p.pid)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(STOP_POLL_MAX_MS, STOP_POLL_MS * 2 ** round, Math.max(1, deadline - Date.now())));
  }
}
