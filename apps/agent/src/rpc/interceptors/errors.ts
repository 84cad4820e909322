import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "../../logger";

/**
 * Errors that are not already ConnectErrors are bugs or OS failures: log them in full,
 * and tell the caller Internal with a short message rather than a stack.
 */
export function errorsInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (err) {
      if (err instanceof ConnectError) throw err;
      logger.error({ method: req.method.name, err }, "unexpected error");
      const message = err instanceof Error ? err.message : String(err);
      throw new ConnectError(`internal error in ${req.method.name}: ${message}`, Code.Internal, undefined, undefined, err);
    }
  };
}
