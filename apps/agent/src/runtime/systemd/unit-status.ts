import { constants } from "node:os";
import type { ExitResult, ServiceRunState, ServiceStatus } from "../runtime";
import { crashLoopReason, describeExit, type StartLimit } from "../start-limit";
import { unitStartLimit } from "./unit-file";

// Pure: what `systemctl --user show` says about a unit, as a ServiceStatus.

export const STATUS_PROPERTIES = [
  "LoadState",
  "ActiveState",
  "SubState",
  "MainPID",
  "NRestarts",
  "ExecMainCode",
  "ExecMainStatus",
  "ExecMainExitTimestamp",
  "StateChangeTimestamp",
  "ControlGroup",
  "Result",
] as const;

// siginfo si_code values systemd reports in ExecMainCode.
const CLD_EXITED = 1;
const CLD_KILLED = 2;
const CLD_DUMPED = 3;

function runState(active: string, sub: string): ServiceRunState {
  switch (active) {
    case "active":
    case "reloading":
    case "deactivating": // still has processes while stopping
      return "running";
    case "activating":
      return sub === "auto-restart" ? "backoff" : "starting";
    case "failed":
      return "failed";
    default:
      return "stopped";
  }
}

export const EXEC_PROPERTIES = ["ExecMainCode", "ExecMainStatus"] as const;
// Where systemd's own exit codes begin (EXIT_CHDIR = 200, 203/EXEC, 226/NAMESPACE, …): the
// service's setup failed and it never ran.
const SYSTEMD_EXIT_CODES = 200;

/** Whether the main process was exec'd and has ended (exited with its own code, or by a signal). */
export function execedThenExited(props: Record<string, string>): boolean {
  const code = Number(props.ExecMainCode ?? 0);
  return code === CLD_KILLED || code === CLD_DUMPED || (code === CLD_EXITED && Number(props.ExecMainStatus ?? 0) < SYSTEMD_EXIT_CODES);
}

/** "@1700000000" (--timestamp=unix) to a Date; undefined when unset. */
export function parseUnixTimestamp(value: string | undefined): Date | undefined {
  const m = /^@(\d+(?:\.\d+)?)$/.exec(value?.trim() ?? "");
  return m ? new Date(Number(m[1]) * 1000) : undefined;
}

function signalName(n: number): string {
  const entry = Object.entries(constants.signals).find(([, v]) => v === n);
  return entry ? entry[0] : `SIG${n}`;
}

// Results after which a unit with Restart=on-failure (every unit we render) restarts: a unit that is
// failed with one of them was not restarted because the start limit ended it. systemd 252 keeps
// the last run's Result (exit-code, …) then rather than saying start-limit-hit (seen in the lab).
const RESTARTED_RESULTS = new Set(["exit-code", "signal", "core-dump", "watchdog", "timeout"]);

/** Why a failed unit failed, from its Result= (systemd.exec(5) lists the values). */
function failureReason(result: string | undefined, restarts: number, lastExit: ExitResult | undefined, startLimit: StartLimit): string {
  const last = describeExit(lastExit);
  if (result === "start-limit-hit") return crashLoopReason(startLimit, last);
  if (startLimit.burst > 0 && restarts >= startLimit.burst - 1 && RESTARTED_RESULTS.has(result ?? "")) return crashLoopReason(startLimit, last);
  return `systemd reports the unit failed (result "${result || "unknown"}")${last ? `; last ${last}` : ""} — see its logs, then start it again`;
}

/** undefined when systemd does not know the unit. `startLimit`: what the unit was rendered with. */
export function unitStatus(props: Record<string, string>, startLimit: StartLimit = unitStartLimit()): ServiceStatus | undefined {
  if (props.LoadState === "not-found" || props.LoadState === undefined) return undefined;
  const state = runState(props.ActiveState ?? "", props.SubState ?? "");
  const mainPid = Number(props.MainPID ?? 0);
  const code = Number(props.ExecMainCode ?? 0);
  const status = Number(props.ExecMainStatus ?? 0);
  const exitedAt = parseUnixTimestamp(props.ExecMainExitTimestamp);
  const restarts = Number(props.NRestarts ?? 0);
  let lastExit: ExitResult | undefined;
  if (exitedAt && code === CLD_EXITED) lastExit = { code: status, signal: null, at: exitedAt };
  else if (exitedAt && (code === CLD_KILLED || code === CLD_DUMPED)) lastExit = { code: null, signal: signalName(status), at: exitedAt };
  return {
    state,
    pids: mainPid > 0 && (state === "running" || state === "starting") ? [mainPid] : [],
    since: parseUnixTimestamp(props.StateChangeTimestamp) ?? new Date(),
    restarts,
    ...(lastExit ? { lastExit } : {}),
    ...(state === "failed" ? { reason: failureReason(props.Result, restarts, lastExit, startLimit) } : {}),
  };
}
