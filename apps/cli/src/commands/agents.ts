// `sysward agents [--selector …] [--state …]`: the console's machines as its fleet monitor sees
// them: state and since when, services (and how many failed), labels.
import { formatLabels } from "@sysward/contract";
import type { FleetQuery } from "../args";
import { ConsoleClient } from "../console-client";
import { loadCredentials } from "../config";
import { formatDuration, formatTable } from "../output";
import type { CommandContext } from "./command-context";

export async function agents(ctx: CommandContext, inv: { filter: FleetQuery }): Promise<void> {
  const list = await new ConsoleClient(loadCredentials(ctx.env)).listAgents(inv.filter, ctx.signal);
  ctx.out.data({ agents: list });
  if (list.length === 0) return ctx.out.result(inv.filter.selector || inv.filter.state ? "no agent matches" : "no agents registered");
  const now = Date.now();
  const rows = list.map((a) => [
    a.id,
    a.name,
    a.state ?? (a.up ? "up" : "down"),
    a.since ? formatDuration((now - Date.parse(a.since)) / 1000) : "-",
    a.services === undefined ? "-" : a.failedServices ? `${a.services} (${a.failedServices} failed)` : String(a.services),
    formatLabels(a.labels ?? {}) || "-",
    a.address,
  ]);
  ctx.out.result(formatTable(["ID", "NAME", "STATUS", "FOR", "SERVICES", "LABELS", "ADDRESS"], rows));
}
