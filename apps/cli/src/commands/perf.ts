// `sysward perf <agent>`: the agent's latest sample (SystemPerf, from its cache). With --watch,
// WatchPerf: the latest sample at once, then one line per new sample until Ctrl-C.
import { SystemPerfResponseSchema, WatchPerfResponseSchema } from "@sysward/proto";
import { CliError } from "../cli-error";
import { loadCredentials } from "../config";
import { ExitCode } from "../exit-codes";
import { perfLine, perfReport } from "../format-perf";
import { protoJson } from "../proto-json";
import { agentClient } from "../rpc-client";
import type { CommandContext } from "./command-context";
import { rpcErrors } from "./rpc-errors";
import { untilInterrupted } from "./until-interrupted";

export async function perf(ctx: CommandContext, inv: { agent: string; watch: boolean }): Promise<void> {
  const creds = loadCredentials(ctx.env);
  const client = agentClient(creds, inv.agent);
  if (!inv.watch) {
    const res = await rpcErrors(creds, `reading perf of agent ${inv.agent}`, () => client.systemPerf({}, { signal: ctx.signal }));
    if (!res.sample) throw new CliError(ExitCode.Failure, `agent ${inv.agent} has no perf sample yet (it collects the first one within an interval of starting)`);
    ctx.out.data(protoJson(SystemPerfResponseSchema, res));
    return ctx.out.result(perfReport(inv.agent, res.sample));
  }
  await untilInterrupted(ctx, () =>
    rpcErrors(creds, `watching perf of agent ${inv.agent}`, async () => {
      for await (const msg of client.watchPerf({}, { signal: ctx.signal })) {
        ctx.out.data(protoJson(WatchPerfResponseSchema, msg));
        if (msg.sample) ctx.out.result(`${perfLine(msg.sample)}${msg.dropped ? `  (${msg.dropped} samples dropped: reading too slowly)` : ""}`);
      }
    }),
  );
}
