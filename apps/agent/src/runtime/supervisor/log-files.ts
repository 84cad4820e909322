import { join } from "node:path";

// Where the supervisor writes a service's output, shared by the launcher, rotator and reader.
export interface LogFiles {
  stdout: string;
  stderr: string;
}

export function logFiles(logDir: string): LogFiles {
  return { stdout: join(logDir, "stdout.log"), stderr: join(logDir, "stderr.log") };
}

/** Rotated generation `n` (1 = newest) of a log file. */
export function rotatedLogFile(path: string, n: number): string {
  return `${path}.${n}`;
}
