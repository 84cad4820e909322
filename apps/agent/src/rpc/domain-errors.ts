// The one place a domain error's kind becomes a Connect code.
import { Code, ConnectError } from "@connectrpc/connect";
import { DomainError, type DomainErrorKind } from "../domain-error";

const CODES: Record<DomainErrorKind, Code> = {
  "invalid-argument": Code.InvalidArgument,
  "not-found": Code.NotFound,
  "already-exists": Code.AlreadyExists,
  "failed-precondition": Code.FailedPrecondition,
  "resource-exhausted": Code.ResourceExhausted,
  aborted: Code.Aborted,
  "deadline-exceeded": Code.DeadlineExceeded,
  "out-of-range": Code.OutOfRange,
  unimplemented: Code.Unimplemented,
  unavailable: Code.Unavailable,
  "permission-denied": Code.PermissionDenied,
  internal: Code.Internal,
};

/** A DomainError as the ConnectError callers see; anything else unchanged. */
export function toConnectError(err: unknown): unknown {
  if (err instanceof DomainError) return new ConnectError(err.message, CODES[err.kind], undefined, undefined, err);
  return err;
}
