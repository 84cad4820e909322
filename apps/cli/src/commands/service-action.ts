// `sysward restart|start|stop|rm|rollback <agent> <name>`: one write RPC through the proxy (admins
// only: a viewer's token gets 403 → exit 3), then a one-line summary of where the service stands.
import {
  RemoveResponseSchema,
  RestartServiceResponseSchema,
  RollbackResponseSchema,
  StartServiceResponseSchema,
  StopServiceResponseSchema,
} from "@sysward/proto";
import type { ServiceAction } from "../args";
import { loadCredentials } from "../config";
import { serviceSummary } from "../format-service";
import { protoJson } from "../proto-json";
import { agentClient, type AgentClient } from "../rpc-client";
import type { CommandContext } from "./command-context";
import { rpcErrors } from "./rpc-errors";

interface Target {
  agent: string;
  name: string;
  version?: string;
}

/** What --json prints (the response in proto JSON) and what people read. */
interface Outcome {
  json: unknown;
  text: string;
}

const ACTIONS: Record<ServiceAction, { doing: string; run(c: AgentClient, t: Target, signal: AbortSignal): Promise<Outcome> }> = {
  restart: {
    doing: "restarting",
    async run(c, t, signal) {
      const response = await c.restartService({ name: t.name }, { signal });
      return { json: protoJson(RestartServiceResponseSchema, response), text: `restarted ${response.service ? serviceSummary(response.service) : t.name}` };
    },
  },
  start: {
    doing: "starting",
    async run(c, t, signal) {
      const response = await c.startService({ name: t.name }, { signal });
      return { json: protoJson(StartServiceResponseSchema, response), text: `started ${response.service ? serviceSummary(response.service) : t.name}` };
    },
  },
  stop: {
    doing: "stopping",
    async run(c, t, signal) {
      const response = await c.stopService({ name: t.name }, { signal });
      return { json: protoJson(StopServiceResponseSchema, response), text: `stopped ${response.service ? serviceSummary(response.service) : t.name}` };
    },
  },
  rm: {
    doing: "removing",
    async run(c, t, signal) {
      const response = await c.remove({ name: t.name }, { signal });
      return { json: protoJson(RemoveResponseSchema, response), text: `removed ${t.name} from agent ${t.agent}` };
    },
  },
  rollback: {
    doing: "rolling back",
    async run(c, t, signal) {
      const response = await c.rollback({ name: t.name, version: t.version ?? "" }, { signal });
      const from = response.previousVersion ? ` (was ${response.previousVersion})` : "";
      return { json: protoJson(RollbackResponseSchema, response), text: `rolled back ${response.service ? serviceSummary(response.service) : t.name}${from}` };
    },
  },
};

export async function serviceAction(ctx: CommandContext, inv: Target & { action: ServiceAction }): Promise<void> {
  const creds = loadCredentials(ctx.env);
  const action = ACTIONS[inv.action];
  const outcome = await rpcErrors(creds, `${action.doing} ${inv.name} on agent ${inv.agent}`, () =>
    action.run(agentClient(creds, inv.agent), inv, ctx.signal),
  );
  ctx.out.data(outcome.json);
  ctx.out.result(outcome.text);
}
