// `sysward logs [-f] [-n N] <agent> <name>`: the service's last lines, then with -f every new one
// until Ctrl-C (main aborts ctx.signal, which cancels the stream through the proxy to the agent).
// A line the service wrote to stderr goes to our stderr, as `docker logs` does.
import { LogStream, LogsResponseSchema } from "@sysward/proto";
import { loadCredentials } from "../config";
import { protoJson } from "../proto-json";
import { agentClient } from "../rpc-client";
import type { CommandContext } from "./command-context";
import { rpcErrors } from "./rpc-errors";
import { untilInterrupted } from "./until-interrupted";

export async function logs(ctx: CommandContext, inv: { agent: string; name: string; follow: boolean; tailLines: number }): Promise<void> {
  const creds = loadCredentials(ctx.env);
  const client = agentClient(creds, inv.agent);
  const read = () =>
    rpcErrors(creds, `reading the logs of ${inv.name} on agent ${inv.agent}`, async () => {
      for await (const msg of client.logs({ name: inv.name, tailLines: inv.tailLines, follow: inv.follow }, { signal: ctx.signal })) {
        if (ctx.out.json) ctx.out.data(protoJson(LogsResponseSchema, msg));
        else ctx.out.line(msg.stream === LogStream.STDERR ? "stderr" : "stdout", msg.line);
      }
    });
  await (inv.follow ? untilInterrupted(ctx, read) : read());
}
