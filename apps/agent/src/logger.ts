import pino from "pino";

export type Logger = pino.Logger;

/** Structured JSON logs on stderr (stdout stays free for a supervisor's use). */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { app: "sysward-agent", pid: process.pid },
      // Belt and braces: nothing that looks like a credential is ever written out.
      redact: { paths: ["token", "authorization", "*.authorization", "headers.authorization"], censor: "[redacted]" },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
