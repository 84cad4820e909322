// `sysward services [--selector …] [--state …] [--name …] [--version …]`: every service on every
// machine, from the console's fleet monitor (no agent is asked).
import type { FleetQuery } from "../args";
import { ConsoleClient, queryString } from "../console-client";
import { loadCredentials } from "../config";
import { formatDuration, formatTable } from "../output";
import type { CommandContext } from "./command-context";

interface FleetService {
  agentId: string;
  agentName: string;
  reach: string;
  name: string;
  state: string;
  version: string;
  since: string | null;
  restarts: number;
  detail: string;
}

export async function services(ctx: CommandContext, inv: { filter: FleetQuery }): Promise<void> {
  const client = new ConsoleClient(loadCredentials(ctx.env));
  const { services: list } = await client.getJson<{ services: FleetService[] }>(`/api/fleet/services${queryString(inv.filter)}`, "listing the fleet's services", ctx.signal);
  ctx.out.data({ services: list });
  if (list.length === 0) return ctx.out.result("no service matches");
  const now = Date.now();
  const rows = list.map((s) => [
    s.agentId,
    s.name,
    s.reach === "up" ? s.state : `${s.state} (machine ${s.reach})`,
    s.version || "-",
    s.since ? formatDuration((now - Date.parse(s.since)) / 1000) : "-",
    String(s.restarts),
  ]);
  ctx.out.result(formatTable(["AGENT", "SERVICE", "STATE", "VERSION", "FOR", "RESTARTS"], rows));
}
