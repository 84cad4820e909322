import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "../../logger";
import { toConnectError } from "../domain-errors";

/**
 * Domain errors become ConnectErrors with their code (domain-errors.ts), in unary answers and
 * in the middle of server streams alike. Other errors that are not already ConnectErrors are
 * bugs or OS failures: log them in full, and tell the caller Internal with a short message
 * rather than a stack.
 */
export function errorsInterceptor(logger: Logger): Interceptor {
  const translate = (method: string, err: unknown): unknown => {
    const mapped = toConnectError(err);
    if (mapped instanceof ConnectError) return mapped;
    logger.error({ method, err }, "unexpected error");
    const message = err instanceof Error ? err.message : String(err);
    return new ConnectError(`internal error in ${method}: ${message}`, Code.Internal, undefined, undefined, err);
  };
  return (next) => async (req) => {
    let res;
    try {
      res = await next(req);
    } catch (err) {
      throw translate(req.method.name, err);
    }
    if (!res.stream) return res;
    const messages = res.message;
    async function* translated() {
      try {
        yield* messages;
      } catch (err) {
        throw translate(req.method.name, err);
      }
    }
    return { ...res, message: translated() };
  };
}
