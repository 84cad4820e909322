// `sysward agents`: the console's agents and whether each answered just now.
import { ConsoleClient } from "../console-client";
import { loadCredentials } from "../config";
import { formatTable } from "../output";
import type { CommandContext } from "./command-context";

export async function agents(ctx: CommandContext): Promise<void> {
  const list = await new ConsoleClient(loadCredentials(ctx.env)).listAgents(ctx.signal);
  ctx.out.data({ agents: list });
  if (list.length === 0) return ctx.out.result("no agents registered");
  ctx.out.result(formatTable(["ID", "NAME", "STATUS", "ADDRESS"], list.map((a) => [a.id, a.name, a.up ? "up" : "down", a.address])));
}
