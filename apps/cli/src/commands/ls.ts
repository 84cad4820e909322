// `sysward ls <agent>`: the agent's services (ListServices through the proxy).
import { ListServicesResponseSchema } from "@sysward/proto";
import { loadCredentials } from "../config";
import { protoJson } from "../proto-json";
import { servicesTable } from "../format-service";
import { agentClient } from "../rpc-client";
import type { CommandContext } from "./command-context";
import { rpcErrors } from "./rpc-errors";

export async function ls(ctx: CommandContext, inv: { agent: string }): Promise<void> {
  const creds = loadCredentials(ctx.env);
  const res = await rpcErrors(creds, `listing the services of agent ${inv.agent}`, () => agentClient(creds, inv.agent).listServices({}, { signal: ctx.signal }));
  ctx.out.data(protoJson(ListServicesResponseSchema, res));
  if (res.services.length === 0) return ctx.out.result(`no services on agent ${inv.agent}`);
  ctx.out.result(servicesTable(res.services, Date.now()));
}
