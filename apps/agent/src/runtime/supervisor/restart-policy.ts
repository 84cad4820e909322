// Restart=on-failure, the same rule the systemd runtime's units use, so both runtimes agree:
// exit code 0, or death by one of the signals systemd deems clean, is not a crash.
const CLEAN_SIGNALS: ReadonlySet<string> = new Set(["SIGHUP", "SIGINT", "SIGTERM", "SIGPIPE"]);

export function isCleanExit(code: number | null, signal: string | null): boolean {
  if (signal !== null) return CLEAN_SIGNALS.has(signal);
  return code === 0;
}
