// The one error type domain modules (install/, runtime/, history/, perf/) raise for what a caller
// did or asked wrong, or what the system cannot do now. Its kind says which; its message says
// what to do about it. Only rpc/ turns kinds into Connect codes (rpc/domain-errors.ts).
export type DomainErrorKind =
  | "invalid-argument"
  | "not-found"
  | "already-exists"
  | "failed-precondition"
  | "resource-exhausted"
  | "aborted"
  | "deadline-exceeded"
  | "out-of-range"
  | "unimplemented"
  | "unavailable"
  | "permission-denied"
  | "internal";

export class DomainError extends Error {
  override readonly name = "DomainError";

  /** Message first, as ConnectError has it: the message is what a person reads. */
  constructor(
    message: string,
    readonly kind: DomainErrorKind,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
