// What `sysward` exits with, so a script can tell "the install failed its health check" from "you
// typed it wrong" from "the console is down" without parsing text. Listed in `sysward --help`.
import { Code } from "@connectrpc/connect";

export const ExitCode = {
  /** Done as asked. */
  Ok: 0,
  /** The console or agent reported a failure (an install failed its health window, no older version to roll back to…). */
  Failure: 1,
  /** The command line is wrong: unknown command or option, missing argument, bad name, unreadable ZIP. */
  Usage: 2,
  /** No credentials, or the console refused them (401), or the token's user may not do this (403). */
  Auth: 3,
  /** No such agent or service. */
  NotFound: 4,
  /** The console did not answer (connection refused, DNS, TLS), or it could not reach the agent. */
  Unreachable: 5,
  /** Another install or change of the same service is running (or another rollout of it to the same machines): try again shortly. */
  Busy: 6,
  /** Stopped by Ctrl-C (128 + SIGINT). */
  Interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The table `sysward --help` prints. */
export const EXIT_CODE_HELP: ReadonlyArray<[ExitCodeValue, string]> = [
  [ExitCode.Ok, "success"],
  [ExitCode.Failure, "the console or agent reported a failure (e.g. an install failed its health window)"],
  [ExitCode.Usage, "usage error: unknown command or option, missing argument, bad name, unreadable file"],
  [ExitCode.Auth, "not logged in, token refused (401) or not allowed (403)"],
  [ExitCode.NotFound, "no such agent or service"],
  [ExitCode.Unreachable, "cannot reach the console (or the console cannot reach the agent)"],
  [ExitCode.Busy, "another install, change or rollout of that service is running; retry"],
  [ExitCode.Interrupted, "interrupted (Ctrl-C)"],
];

/** For the console's JSON API (`{ "error": … }` answers). */
export function exitCodeForHttpStatus(status: number): ExitCodeValue {
  if (status >= 200 && status < 300) return ExitCode.Ok;
  if (status === 401 || status === 403) return ExitCode.Auth;
  if (status === 404) return ExitCode.NotFound;
  if (status === 502 || status === 503 || status === 504) return ExitCode.Unreachable;
  return ExitCode.Failure;
}

/** For Connect errors from the /rpc proxy, and the snake_case `code` of a failed upload result. */
export function exitCodeForConnectCode(code: Code): ExitCodeValue {
  switch (code) {
    case Code.Unauthenticated:
    case Code.PermissionDenied:
      return ExitCode.Auth;
    case Code.NotFound:
      return ExitCode.NotFound;
    case Code.Unavailable:
      return ExitCode.Unreachable;
    case Code.Aborted:
      return ExitCode.Busy;
    default:
      return ExitCode.Failure;
  }
}

/** "failed_precondition" → Code.FailedPrecondition; undefined for a name Connect does not have. */
export function connectCodeFromName(name: string): Code | undefined {
  const camel = name.replace(/(^|_)([a-z])/g, (_m, _sep: string, c: string) => c.toUpperCase());
  const code = (Code as unknown as Record<string, Code | undefined>)[camel];
  return typeof code === "number" ? code : undefined;
}
