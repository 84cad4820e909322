import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { CounterMap } from "../../debugvars/registry";
import type { Logger } from "../../logger";

function codeName(err: unknown): string {
  return Code[ConnectError.from(err).code] ?? "Unknown";
}

/**
 * One log line per call and counters by "Method Code" for /debug/vars. For streaming
 * responses the line is written when the call returns its stream (the stream's own end is not awaited).
 */
export function loggingInterceptor(logger: Logger, calls: CounterMap): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const method = req.method.name;
    try {
      const res = await next(req);
      calls.add(`${method} OK`);
      logger.debug({ method, ms: Math.round(performance.now() - started) }, "rpc");
      return res;
    } catch (err) {
      const code = codeName(err);
      calls.add(`${method} ${code}`);
      const level = code === "Internal" || code === "Unknown" ? "error" : "info";
      logger[level]({ method, code, ms: Math.round(performance.now() - started), err: ConnectError.from(err).rawMessage }, "rpc failed");
      throw err;
    }
  };
}
