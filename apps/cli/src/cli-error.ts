// Every way a command can fail becomes one CliError: an exit code, one clear line, and optional
// detail lines (an install's log lines). main.ts prints it as `sysward: <message>`.
import { Code, ConnectError } from "@connectrpc/connect";
import { ExitCode, exitCodeForConnectCode, type ExitCodeValue } from "./exit-codes";

export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCodeValue,
    message: string,
    /** Printed after the message, one per line (e.g. the failed version's last log lines). */
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = "CliError";
  }
}

export function usageError(message: string): CliError {
  return new CliError(ExitCode.Usage, message);
}

/** Node's system error codes that mean "nothing answered at that address". */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The innermost `code`/`message` of an error chain (fetch wraps the socket error in `cause`). */
function systemCause(err: unknown): { code: string; message: string } | undefined {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return { code, message: e.message };
    e = e.cause;
  }
  return undefined;
}

/** The last message of an error's `cause` chain: fetch says only "fetch failed", its cause says why. */
export function innermostMessage(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 5; depth++, e = e.cause) message = e.message;
  return message;
}

/** fetch rejects only when no HTTP answer came: always "cannot reach", whatever the cause. */
export function fetchFailure(consoleUrl: string, err: unknown): CliError {
  return unreachable(consoleUrl, err) ?? new CliError(ExitCode.Unreachable, `cannot reach the console at ${consoleUrl}: ${innermostMessage(err)}`);
}

export function unreachable(consoleUrl: string, err: unknown): CliError | undefined {
  const cause = systemCause(err);
  if (!cause) return undefined;
  return new CliError(ExitCode.Unreachable, `cannot reach the console at ${consoleUrl}: ${cause.message}`);
}

/** A refusal of the token (401) or of the action (403), with what to do about it. */
export function authError(status: 401 | 403, serverMessage: string): CliError {
  return status === 401
    ? new CliError(ExitCode.Auth, `the console refused the API token (${serverMessage}); run \`sysward login <console-url> --token <token>\` with a valid token`)
    : new CliError(ExitCode.Auth, `not allowed: ${serverMessage}`);
}

/** A Connect error from the /rpc proxy, described with what was being done. */
export function fromConnectError(err: ConnectError, consoleUrl: string, doing: string): CliError {
  const network = err.code === Code.Unavailable ? unreachable(consoleUrl, err) : undefined;
  if (network) return network;
  if (err.code === Code.Unauthenticated) return authError(401, err.rawMessage);
  if (err.code === Code.PermissionDenied) return authError(403, err.rawMessage);
  return new CliError(exitCodeForConnectCode(err.code), `${doing} failed: ${err.rawMessage}`);
}

/** Anything a command threw → a CliError. `interrupted`: Ctrl-C aborted the work. */
export function toCliError(err: unknown, opts: { interrupted?: boolean } = {}): CliError {
  if (opts.interrupted) return new CliError(ExitCode.Interrupted, "interrupted");
  if (err instanceof CliError) return err;
  if (err instanceof ConnectError) return new CliError(exitCodeForConnectCode(err.code), err.rawMessage);
  return new CliError(ExitCode.Failure, `unexpected error: ${innermostMessage(err)}`);
}
