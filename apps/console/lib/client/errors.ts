// Turns whatever an RPC or fetch threw into one sentence a person can act on.
import { Code, ConnectError } from "@connectrpc/connect";

export function describeError(err: unknown): string {
  if (err instanceof ConnectError || isConnectErrorLike(err)) {
    const ce = ConnectError.from(err);
    const msg = ce.rawMessage.trim();
    switch (ce.code) {
      case Code.Unauthenticated:
        return "Your session has ended. Log in again to continue.";
      case Code.PermissionDenied:
        return msg || "Your role does not allow this action.";
      case Code.Unavailable:
        return msg ? `The agent is unreachable: ${msg}` : "The agent is unreachable.";
      case Code.DeadlineExceeded:
        return "The agent took too long to answer. Try again.";
      case Code.Unimplemented:
        return msg || "This agent does not support that action.";
      default:
        return msg || `The request failed (${Code[ce.code] ?? ce.code}).`;
    }
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Aborts (unmount, range change) are ours, not failures to show. */
export function isAbort(err: unknown): boolean {
  if (err instanceof Error && err.name === "AbortError") return true;
  return err instanceof ConnectError && err.code === Code.Canceled;
}

function isConnectErrorLike(err: unknown): boolean {
  return err instanceof Error && err.name === "ConnectError";
}
