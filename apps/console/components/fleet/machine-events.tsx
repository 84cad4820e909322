import type { FleetEvent } from "../../lib/shared/fleet-types";
import { DataTable } from "../ui/data-table";
import { EmptyState } from "../ui/empty-state";
import { LocalTime } from "../ui/local-time";
import { StatusPill, type PillTone } from "../ui/status-pill";

const TONES: Record<string, PillTone> = { up: "up", down: "down", running: "running", failed: "failed", stopped: "stopped", removed: "stopped", backoff: "warn" };

function what(e: FleetEvent): string {
  if (e.kind === "machine.up") return "machine answered";
  if (e.kind === "machine.down") return "machine stopped answering";
  if (e.kind === "service.version") return `${e.service} version`;
  return e.service ?? "service";
}

/** The fleet monitor's record of this machine, newest first (server-rendered from fleet_events). */
export function MachineEvents({ events }: { events: FleetEvent[] }) {
  return (
    <section className="card" data-testid="machine-events">
      <div className="card-header">
        <div>
          <h2>Recent changes</h2>
          <p className="muted">As the console saw them: the machine going down and up, its services&rsquo; states and versions.</p>
        </div>
      </div>
      {events.length === 0 ? (
        <EmptyState title="Nothing recorded yet" />
      ) : (
        <DataTable columns={["When", "What", "State", "Detail"]}>
          {events.map((e) => (
            <tr key={e.id} data-testid={`machine-event-${e.id}`} data-kind={e.kind}>
              <td className="stack-head nowrap">
                <LocalTime iso={new Date(e.at).toISOString()} withSeconds />
              </td>
              <td data-label="What">{what(e)}</td>
              <td data-label="State">{e.kind === "service.version" ? <span className="mono">{e.state}</span> : <StatusPill tone={TONES[e.state] ?? "unknown"}>{e.state}</StatusPill>}</td>
              <td data-label="Detail" className="muted" style={{ overflowWrap: "anywhere" }}>
                {e.detail || "—"}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
