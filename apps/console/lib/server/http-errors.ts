import "server-only";
// Errors a route handler turns into `{ "error": message }` with an honest status, and the map
// from the agent's Connect codes to HTTP statuses.
import { Code, ConnectError } from "@connectrpc/connect";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function jsonError(status: number, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return Response.json({ error: message, ...extra }, { status, headers: { "cache-control": "no-store", ...headers } });
}

const STATUS_BY_CODE: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 400,
  [Code.Unauthenticated]: 401,
  [Code.PermissionDenied]: 403,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.Aborted]: 409,
  [Code.FailedPrecondition]: 409,
  [Code.OutOfRange]: 400,
  [Code.ResourceExhausted]: 413,
  [Code.Unimplemented]: 501,
  [Code.Unavailable]: 503,
  [Code.DeadlineExceeded]: 504,
  [Code.Canceled]: 499,
};

export function statusForConnectCode(code: Code): number {
  return STATUS_BY_CODE[code] ?? 502;
}

/** "failed_precondition" for Code.FailedPrecondition: the wire name Connect uses. */
export function connectCodeName(code: Code): string {
  return Code[code].replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : `_${c.toLowerCase()}`));
}

/** Turns anything a handler threw into a JSON error response; unexpected errors become 500. */
export function errorResponse(err: unknown): Response {
  if (err instanceof HttpError) return jsonError(err.status, err.message, err.extra, err.headers);
  if (err instanceof ConnectError) return jsonError(statusForConnectCode(err.code), err.rawMessage, { code: connectCodeName(err.code) });
  throw err;
}
