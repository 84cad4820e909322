import "server-only";
// Structured JSON logs on stderr (or SYSWARD_CONSOLE_LOG_FILE). Passwords, tokens, cookies and Authorization headers never
// reach a log line: callers do not pass them, and redaction catches mistakes.
import pino from "pino";
import { getConfig } from "./config";

const KEY = Symbol.for("sysward.console.logger");
type Holder = { [KEY]?: pino.Logger };

export function getLogger(): pino.Logger {
  const holder = globalThis as Holder;
  const { logLevel, logFile } = getConfig();
  return (holder[KEY] ??= pino(
    {
      level: logLevel,
      base: { app: "sysward-console", pid: process.pid },
      redact: {
        paths: ["password", "token", "authorization", "cookie", "*.password", "*.token", "*.authorization", "*.cookie", "headers.authorization", "headers.cookie"],
        censor: "[redacted]",
      },
    },
    logFile ? pino.destination({ dest: logFile, append: true, sync: true, mkdir: true }) : pino.destination({ fd: 2, sync: false }),
  ));
}
