import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { RpcMetrics } from "../../metrics/rpc-metrics";

function codeName(err: unknown): string {
  return Code[ConnectError.from(err).code] ?? "Unknown";
}

/** Why the call's signal aborted: the client went away (Canceled), its deadline passed, the agent is stopping. */
function abortCode(signal: AbortSignal): string {
  const code = ConnectError.from(signal.reason).code;
  return code === Code.Unknown ? "Canceled" : Code[code]!;
}

/**
 * Counts every call (outermost, so refused ones too) and times it to its end: for a streaming
 * response that is when the stream finishes or fails. A stream that ends because the call was
 * aborted (the client left) is counted with the abort's code, not OK, though the handler returned.
 */
export function metricsInterceptor(metrics: RpcMetrics): Interceptor {
  return (next) => async (req) => {
    const end = metrics.start(req.method.name);
    let res;
    try {
      res = await next(req);
    } catch (err) {
      end(codeName(err));
      throw err;
    }
    if (!res.stream) {
      end("OK");
      return res;
    }
    return { ...res, message: endWithStream(res.message, (err) => end(err !== undefined ? codeName(err) : req.signal.aborted ? abortCode(req.signal) : "OK")) };
  };
}

async function* endWithStream<T>(messages: AsyncIterable<T>, end: (err?: unknown) => void): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (err) {
    end(err);
    throw err;
  } finally {
    // Also when the server stops reading early (return()): the first end() counts, later ones are ignored.
    end();
  }
}
