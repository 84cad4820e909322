import { existsSync } from "node:fs";
import { join } from "node:path";
import { Systemctl, userRuntimeDir } from "./systemctl";

// Is a systemd user manager reachable for the agent's uid? Its private socket must exist and
// `systemctl --user is-system-running` must answer with a state in which it runs units.

export interface Detection {
  available: boolean;
  reason: string;
}

const USABLE = new Set(["running", "degraded", "starting", "initializing"]);

export async function detectUserManager(systemctl = new Systemctl({ timeoutMs: 5_000 })): Promise<Detection> {
  const socket = join(userRuntimeDir(), "systemd", "private");
  if (!existsSync(socket)) return { available: false, reason: `no systemd user manager (${socket} does not exist)` };
  const r = await systemctl.run(["is-system-running"]);
  const state = r.stdout.trim();
  if (USABLE.has(state)) return { available: true, reason: `systemd user manager is ${state}` };
  return { available: false, reason: `systemd user manager is not usable: ${state || r.stderr.trim() || `exit ${r.code}`}` };
}
