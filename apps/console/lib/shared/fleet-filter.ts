// Which machines and services a view shows: the same rules for the fleet page, the services page,
// GET /api/agents and GET /api/fleet/services (and through them the CLI). Pure: no I/O.
import { matchesSelector, type Selector } from "@sysward/contract";
import type { MachineService, MachineState, Reachability, ServiceStateName } from "./fleet-types";

/** A machine filter's state: a reachability, or `failing`: up with at least one failed service. */
export type MachineStateFilter = Reachability | "failing";
export const MACHINE_STATE_FILTERS: readonly MachineStateFilter[] = ["up", "down", "connecting", "failing"];

export interface MachineFilter {
  selector?: Selector;
  state?: MachineStateFilter;
  /** Part of the name, id or hostname, any case. */
  search?: string;
}

export function machineMatches(m: MachineState, f: MachineFilter): boolean {
  if (f.selector && !matchesSelector(m.labels, f.selector)) return false;
  if (f.state === "failing" ? m.failed === 0 : f.state && m.reach !== f.state) return false;
  const q = f.search?.trim().toLowerCase();
  if (q && ![m.name, m.id, m.info?.hostname ?? ""].some((s) => s.toLowerCase().includes(q))) return false;
  return true;
}

export function filterMachines(machines: readonly MachineState[], f: MachineFilter): MachineState[] {
  return machines.filter((m) => machineMatches(m, f));
}

export const SERVICE_STATE_FILTERS: readonly ServiceStateName[] = ["running", "failed", "backoff", "starting", "stopped", "unknown"];

export interface ServiceFilter {
  /** Machines by their labels. */
  selector?: Selector;
  /** Part of the service's name, any case. */
  name?: string;
  state?: ServiceStateName;
  /** Part of the version id ("3-", "1a2b"). */
  version?: string;
}

/** One service on one machine, as the fleet-wide services view lists it. */
export interface FleetService extends MachineService {
  agentId: string;
  agentName: string;
  /** The machine's reachability: a down machine's services are as last seen. */
  reach: Reachability;
}

/** Every service on every matching machine, by service name then machine name. */
export function fleetServices(machines: readonly MachineState[], f: ServiceFilter): FleetService[] {
  const name = f.name?.trim().toLowerCase();
  const version = f.version?.trim().toLowerCase();
  const out: FleetService[] = [];
  for (const m of machines) {
    if (f.selector && !matchesSelector(m.labels, f.selector)) continue;
    for (const s of m.services) {
      if (name && !s.name.toLowerCase().includes(name)) continue;
      if (f.state && s.state !== f.state) continue;
      if (version && !s.version.toLowerCase().includes(version)) continue;
      out.push({ ...s, agentId: m.id, agentName: m.name, reach: m.reach });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.agentName.localeCompare(b.agentName) || a.agentId.localeCompare(b.agentId));
}

/** The fleet's headline: machines by reachability and failed services in all. */
export function fleetCounts(machines: readonly MachineState[]): { machines: number; up: number; down: number; connecting: number; failedServices: number; machinesFailing: number } {
  const c = { machines: machines.length, up: 0, down: 0, connecting: 0, failedServices: 0, machinesFailing: 0 };
  for (const m of machines) {
    c[m.reach]++;
    c.failedServices += m.failed;
    if (m.failed > 0) c.machinesFailing++;
  }
  return c;
}

/** The order every fleet list uses: this machine's own agent ("local") first, then by name. */
export function compareMachines(a: MachineState, b: MachineState): number {
  return Number(b.id === "local") - Number(a.id === "local") || a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
}
