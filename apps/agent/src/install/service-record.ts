// packages/NAME/service.json: what the agent wants for one service (running or stopped, which
// version) and what it needs to run it again after a restart. Written atomically; the write
// that names a new `current` version is an install's commit point.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import type { RuntimeHandle } from "../runtime/runtime";
import { writeFileAtomic } from "./atomic-file";

const SERVICE_FILE = "service.json";

const VersionRecordSchema = z.object({
  id: z.string(),
  sha256: z.string(),
  installedAt: z.string(),
  sizeBytes: z.number(),
  /** Executable path relative to the version dir. */
  exec: z.string(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  health: z.object({ http: z.string().optional(), tcp: z.string().optional() }).optional(),
  limits: z.object({ memoryMaxBytes: z.number().optional(), cpuQuotaPercent: z.number().optional() }).optional(),
});

const ServiceRecordSchema = z.object({
  schema: z.literal(1),
  name: z.string(),
  desired: z.enum(["running", "stopped"]),
  current: z.string(),
  /** Kept versions, newest first; `current` is always among them. */
  versions: z.array(VersionRecordSchema),
  handle: z
    .object({ runtime: z.enum(["supervisor", "systemd"]), version: z.literal(1), state: z.record(z.string(), z.unknown()) })
    .optional(),
  updatedAt: z.string(),
});

export type VersionRecord = z.infer<typeof VersionRecordSchema>;
export type ServiceRecord = z.infer<typeof ServiceRecordSchema> & { handle?: RuntimeHandle };

export async function readServiceRecord(pkgDir: string): Promise<ServiceRecord | undefined> {
  let text: string;
  try {
    text = await readFile(join(pkgDir, SERVICE_FILE), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  return ServiceRecordSchema.parse(JSON.parse(text));
}

export async function writeServiceRecord(pkgDir: string, rec: ServiceRecord): Promise<void> {
  const out: ServiceRecord = { ...rec, updatedAt: new Date().toISOString() };
  await writeFileAtomic(join(pkgDir, SERVICE_FILE), JSON.stringify(out, null, 2) + "\n");
}

export function currentVersion(rec: ServiceRecord): VersionRecord | undefined {
  return rec.versions.find((v) => v.id === rec.current);
}
