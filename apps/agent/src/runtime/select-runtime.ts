import { DomainError } from "../domain-error";
import { describeIsolation, type SandboxPolicy } from "./isolation";
import type { Runtime } from "./runtime";
import { SupervisorRuntime, type SupervisorRuntimeOptions } from "./supervisor/supervisor-runtime";
import { SystemdRuntime, type SystemdRuntimeOptions } from "./systemd/systemd-runtime";
import type { Detection } from "./systemd/user-manager";

export type RuntimePreference = "auto" | "supervisor" | "systemd";

export interface SelectRuntimeOptions {
  preference: RuntimePreference;
  /** SYSWARD_SANDBOX, for whichever runtime is chosen. Default "required". */
  sandbox?: SandboxPolicy;
  /**
   * Where the agent's (and a console's on the same host) secrets live: a runtime that shows services
   * the host minus some paths must hide these. The supervisor's sandbox shows none of them anyway.
   */
  hiddenPaths?: string[];
  /** The supervisor's state dir (its pid files). */
  stateDir: string;
  supervisor?: Omit<SupervisorRuntimeOptions, "stateDir">;
  systemd?: SystemdRuntimeOptions;
  /** How to look for a systemd manager, user or system (the real check unless a caller has one already). */
  detectSystemd?: () => Promise<Detection>;
}

export interface SelectedRuntime {
  runtime: Runtime;
  /** Why this runtime, for logs and /debug/vars. */
  reason: string;
}

/**
 * Detection first, then the choice: systemd where a manager runs units for the agent (PID 1 for a
 * root agent, else the agent user's user manager), else the supervisor.
 */
export async function selectRuntime(opts: SelectRuntimeOptions): Promise<SelectedRuntime> {
  const supervisor = (why: string): SelectedRuntime => {
    const runtime = new SupervisorRuntime({ sandbox: opts.sandbox, ...opts.supervisor, stateDir: opts.stateDir });
    return { runtime, reason: `${why}; ${describeIsolation(runtime.isolation)}` };
  };
  if (opts.preference === "supervisor") return supervisor("supervisor chosen by configuration");

  const systemd = await (opts.detectSystemd ?? SystemdRuntime.detect)();
  if (systemd.available) {
    const mode = systemd.mode ?? "user";
    const why = opts.preference === "systemd" ? "systemd chosen by configuration" : `auto: a systemd ${mode} manager is reachable`;
    const runtime = new SystemdRuntime({ mode, sandbox: opts.sandbox, hiddenPaths: opts.hiddenPaths, ...opts.systemd });
    return { runtime, reason: `${why} (${systemd.reason}); ${describeIsolation(runtime.isolation)}` };
  }
  if (opts.preference === "systemd") {
    throw new DomainError(
      `the systemd runtime was requested but cannot be used: ${systemd.reason}. As root, it needs systemd as PID 1; as another user, a user manager (loginctl enable-linger). Or choose the "auto" or "supervisor" runtime.`,
      "failed-precondition",
    );
  }
  return supervisor(`auto: ${systemd.reason}, so the agent supervises services itself`);
}
