import "server-only";
// Translations from the agent's proto types to the upload route's NDJSON events.
import { ConnectError, Code } from "@connectrpc/connect";
import { InstallPhase, ServiceState, type Service } from "@sysward/proto";
import type { InstalledService, InstallPhaseName, UploadResultEvent } from "../../shared/types";
import { connectCodeName } from "../http-errors";

const PHASES: Partial<Record<InstallPhase, InstallPhaseName>> = {
  [InstallPhase.RECEIVING]: "receiving",
  [InstallPhase.VERIFYING]: "verifying",
  [InstallPhase.STARTING]: "starting",
  [InstallPhase.HEALTH]: "health",
  [InstallPhase.RUNNING]: "running",
  [InstallPhase.ROLLED_BACK]: "rolled-back",
  [InstallPhase.FAILED]: "failed",
};

export function phaseName(phase: InstallPhase): InstallPhaseName | undefined {
  return PHASES[phase];
}

function stateName(state: ServiceState): string {
  return ServiceState[state]?.toLowerCase() ?? "unspecified";
}

export function installedService(s: Service): InstalledService {
  return {
    name: s.name,
    version: s.version?.id ?? "",
    sha256: s.version?.sha256 ?? "",
    state: stateName(s.state),
    pids: [...s.pids],
    runtime: s.runtime,
  };
}

/** The agent appends "Last N log lines:\n…" to a failed health check's message. */
function splitLogLines(message: string): { message: string; logLines: string[] } {
  const m = /\n?Last \d+ log lines:\n/.exec(message);
  if (!m) return { message, logLines: [] };
  const tail = message.slice(m.index + m[0].length);
  const logLines = tail === "(it wrote no log lines)" ? [] : tail.split("\n");
  return { message: message.slice(0, m.index).trim(), logLines };
}

export function failureResult(err: unknown, previousStillRunning: boolean): Extract<UploadResultEvent, { ok: false }> {
  const ce = ConnectError.from(err);
  const { message, logLines } = splitLogLines(ce.rawMessage);
  return { type: "result", ok: false, code: connectCodeName(ce.code === Code.Unknown && !(err instanceof ConnectError) ? Code.Internal : ce.code), message, logLines, previousStillRunning };
}
