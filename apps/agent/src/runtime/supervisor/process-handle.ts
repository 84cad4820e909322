import type { ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import type { ExitResult, ServiceRunState, ServiceSpec, ServiceStatus, StopOptions } from "../runtime";
import { isSameLiveProcess, processGroupAlive, signalProcessGroup } from "../proc-stat";
import { Backoff, type BackoffPolicy } from "./backoff";
import type { HandleStore, RecordedProcess } from "./handle-store";
import { launchService } from "./launch-service";
import { isCleanExit } from "./restart-policy";

export interface ProcessHandleOptions {
  store: HandleStore;
  backoff: BackoffPolicy;
  /** A process up this long ends its crash streak (the next crash restarts after `initialMs`). */
  stableAfterMs: number;
  bwrap?: string;
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
 * with exponential backoff, and stop with SIGKILL escalation. Every change is written to the
 * service's record in the HandleStore.
 */
export class ProcessHandle {
  private state: ServiceRunState = "stopped";
  private since = new Date();
  private restarts = 0;
  private lastExit?: ExitResult;
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
  }

  /** First start (or start after stop): a fresh crash streak and restart count. Throws if it cannot spawn. */
  async start(): Promise<void> {
    this.desired = "running";
    this.restarts = 0;
    this.backoff.reset();
    this.setState("starting");
    try {
      await this.spawn();
    } catch (err) {
      this.desired = "stopped";
      this.setState("failed");
      throw err;
    }
  }

  /** Takes over a process that survived an agent restart; it is watched by poll() from now on. */
  adopt(process: RecordedProcess, restarts: number): void {
    this.desired = "running";
    this.restarts = restarts;
    this.proc = { ...process };
    this.since = new Date(process.startedAt);
    this.state = "running";
    this.persist();
  }

  /** The process died while the agent was down: start it again, counted as a restart. */
  async restartAfterAgentDowntime(previousRestarts: number): Promise<void> {
    this.desired = "running";
    this.restarts = previousRestarts + 1;
    this.lastExit = { code: null, signal: null, at: new Date() };
    this.setState("starting");
    try {
      await this.spawn();
    } catch {
      this.scheduleRestart(0);
    }
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
    };
  }

  /** Pid and start time of the current process, for the RuntimeHandle. */
  current(): RecordedProcess | undefined {
    const p = this.proc;
    return p && { pid: p.pid, startTime: p.startTime, startedAt: p.startedAt };
  }

  private async spawn(): Promise<void> {
    const attempt = (async () => {
      const launched = await launchService(this.spec, this.opts.bwrap);
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
    this.scheduleRestart(Date.now() - Date.parse(proc.startedAt));
  }

  private scheduleRestart(uptimeMs: number): void {
    const delay = this.backoff.next(uptimeMs);
    this.setState("backoff");
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      if (this.detached || this.desired !== "running") return;
      this.restarts++;
      this.spawn().catch(() => {
        this.lastExit = { code: null, signal: null, at: new Date() };
        if (!this.detached && this.desired === "running") this.scheduleRestart(0);
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
    this.opts.store.write({
      version: 1,
      name: this.spec.name,
      spec: this.spec,
      desired: this.desired,
      process: this.current(),
      restarts: this.restarts,
    });
  }
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
