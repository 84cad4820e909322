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
  const client = agentClient(creds, inv.agent);
  const [res, info] = await rpcErrors(creds, `listing the services of agent ${inv.agent}`, () =>
    Promise.all([client.listServices({}, { signal: ctx.signal }), client.agentInfo({}, { signal: ctx.signal })]),
  );
  ctx.out.data(protoJson(ListServicesResponseSchema, res));
  // Loud, and on stderr so it reaches people in --json mode too.
  if (info.isolation && !info.isolation.sandboxed) ctx.out.note(`warning: services on agent ${inv.agent} are NOT SANDBOXED: ${info.isolation.detail}`);
  if (res.services.length === 0) return ctx.out.result(`no services on agent ${inv.agent}`);
  ctx.out.result(servicesTable(res.services, Date.now()));
}
