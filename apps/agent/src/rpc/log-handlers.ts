// Logs: the last tail_lines lines, then (with follow) new ones until the client goes away.
// Memory stays bounded: lines are pulled from the runtime one at a time as the stream drains.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { AgentService, LogStream, LogsResponseSchema } from "@sysward/proto";
import type { ServiceManager } from "../install/service-manager";

/** More than this many lines of history in one call is a request for a log file, not a tail. */
const MAX_TAIL_LINES = 10_000;

export interface LogHandlerDeps {
  services: ServiceManager;
}

export function logHandlers(deps: LogHandlerDeps): Pick<ServiceImpl<typeof AgentService>, "logs"> {
  return {
    async *logs(req, ctx) {
      const lines = deps.services.logs(req.name, {
        tail: Math.min(req.tailLines, MAX_TAIL_LINES),
        follow: req.follow,
        signal: ctx.signal,
      });
      for await (const l of lines) {
        if (ctx.signal.aborted) return;
        yield create(LogsResponseSchema, {
          time: timestampFromDate(l.time),
          line: l.line,
          stream: l.stream === "stderr" ? LogStream.STDERR : LogStream.STDOUT,
        });
      }
    },
  };
}
