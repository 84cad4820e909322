import { existsSync } from "node:fs";
import { join } from "node:path";
import { Systemctl, userRuntimeDir, type ManagerMode } from "./systemctl";

// Which systemd manager can run the agent's services? A root agent uses the system manager when
// systemd is PID 1 (/run/systemd/system exists, as sd_booted() checks, and `systemctl
// is-system-running` answers); any other uid needs its own user manager: its private socket must
// exist and `systemctl --user is-system-running` must answer. Either in a state in which it runs units.

export interface Detection {
  available: boolean;
  reason: string;
  /** The manager found (when available): "system" for a root agent, else "user". */
  mode?: ManagerMode;
}

const USABLE = new Set(["running", "degraded", "starting", "initializing"]);

/** The manager for this process: PID 1 for root, the user manager for anyone else. */
export function detectManager(asRoot = process.getuid?.() === 0): Promise<Detection> {
  return asRoot ? detectSystemManager() : detectUserManager();
}

export async function detectUserManager(systemctl = new Systemctl({ timeoutMs: 5_000 })): Promise<Detection> {
  const socket = join(userRuntimeDir(), "systemd", "private");
  if (!existsSync(socket)) return { available: false, reason: `no systemd user manager (${socket} does not exist)` };
  return usable(systemctl, "user", "systemd user manager");
}

export async function detectSystemManager(
  systemctl = new Systemctl({ timeoutMs: 5_000, mode: "system" }),
  booted = existsSync("/run/systemd/system"),
): Promise<Detection> {
  if (!booted) return { available: false, reason: "systemd is not PID 1 (/run/systemd/system does not exist)" };
  return usable(systemctl, "system", "systemd system manager (PID 1)");
}

async function usable(systemctl: Systemctl, mode: ManagerMode, what: string): Promise<Detection> {
  const r = await systemctl.run(["is-system-running"]);
  const state = r.stdout.trim();
  if (USABLE.has(state)) return { available: true, reason: `${what} is ${state}`, mode };
  return { available: false, reason: `${what} is not usable: ${state || r.stderr.trim() || `exit ${r.code}`}` };
}
