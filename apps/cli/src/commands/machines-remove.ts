// `sysward machines remove <agent>`: the console forgets the machine (an enrolled one's certificate
// is revoked, an SSH one's connection closed); the agent on the machine keeps running.
import { ConsoleClient } from "../console-client";
import { loadCredentials } from "../config";
import type { CommandContext } from "./command-context";

export async function machinesRemove(ctx: CommandContext, inv: { agent: string }): Promise<void> {
  const client = new ConsoleClient(loadCredentials(ctx.env));
  const res = await client.request(`/api/agents/${encodeURIComponent(inv.agent)}`, { method: "DELETE", signal: ctx.signal });
  await client.check(res, `removing machine ${inv.agent}`);
  ctx.out.data({ agent: inv.agent, removed: true });
  ctx.out.result(`removed machine ${inv.agent} from the console (its agent keeps running there: uninstall it on the machine)`);
}
