import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod";
import type { ServiceSpec } from "../runtime";

// The supervisor's memory on disk: one JSON "pid file" per service in the runtime's stateDir,
// rewritten (atomically) whenever its process changes, so a restarted agent can re-adopt it.

const specSchema: z.ZodType<ServiceSpec> = z.object({
  name: z.string(),
  versionId: z.string(),
  workDir: z.string(),
  exec: z.string(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  stateDir: z.string(),
  logDir: z.string(),
  limits: z.object({ memoryMaxBytes: z.number().optional(), cpuQuotaPercent: z.number().optional() }).optional(),
});

const recordSchema = z.object({
  version: z.literal(1),
  name: z.string(),
  spec: specSchema,
  desired: z.enum(["running", "stopped"]),
  /** The running process, absent while stopped or waiting out a backoff. */
  process: z
    .object({
      pid: z.number().int().positive(),
      /** Field 22 of /proc/PID/stat: with the pid, the process's identity. */
      startTime: z.string(),
      startedAt: z.string(),
    })
    .optional(),
  restarts: z.number().int().nonnegative(),
  /** The boot the record was written in (boot-id.ts): pids and failures of another boot do not count. */
  bootId: z.string().optional(),
  /** Crash times (ISO) still inside the start-limit interval: a loop is caught across agent restarts. */
  crashes: z.array(z.string()).optional(),
  /** Set when the start limit gave up (or it could not be started): it stays failed until start(). */
  failure: z
    .object({
      reason: z.string(),
      at: z.string(),
      lastExit: z.object({ code: z.number().int().nullable(), signal: z.string().nullable(), at: z.string() }).optional(),
    })
    .optional(),
});

export type ServiceRecord = z.infer<typeof recordSchema>;
export type RecordedProcess = NonNullable<ServiceRecord["process"]>;
export type RecordedFailure = NonNullable<ServiceRecord["failure"]>;

export class HandleStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  path(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  read(name: string): ServiceRecord | undefined {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(this.path(name), "utf8"));
    } catch {
      return undefined; // none, or unreadable: treated as unknown, the caller starts afresh
    }
    const parsed = recordSchema.safeParse(data);
    return parsed.success ? parsed.data : undefined;
  }

  write(record: ServiceRecord): void {
    // Write-then-rename: a crash mid-write leaves the old record, never half a file.
    const target = this.path(record.name);
    const tmp = `${target}.tmp`;
    writeFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
    renameSync(tmp, target);
  }

  remove(name: string): void {
    rmSync(this.path(name), { force: true });
  }
}
