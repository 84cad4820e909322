// The optional sysward.json at the root of a package:
//   {"exec": "bin/server", "args": [], "env": {}, "health": {"http": "http://127.0.0.1:PORT/healthz"},
//    "limits": {"memoryMaxBytes": 268435456, "cpuQuotaPercent": 50}}
// Unknown keys are refused so a typo ("Exec") is reported rather than silently ignored.
import { DomainError } from "../domain-error";
import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { normaliseEntryPath } from "./entry-path";

const MANIFEST_FILE = "sysward.json";
const MAX_MANIFEST_BYTES = 64 * 1024;

const hostPort = z
  .string()
  .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "expected host:port, e.g. 127.0.0.1:8080");

const HealthProbeSchema = z
  .strictObject({
    http: z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" }).optional(),
    tcp: hostPort.optional(),
  })
  .refine((h) => !(h.http && h.tcp), "give one probe: http or tcp, not both");

// Enforced by runtimes that can (systemd: MemoryMax=, CPUQuota=); the supervisor records them only.
const LimitsSchema = z.strictObject({
  memoryMaxBytes: z.number().int().min(1024 * 1024, "memoryMaxBytes must be at least 1 MiB").max(2 ** 50).optional(),
  cpuQuotaPercent: z.number().int().min(1).max(100_000).optional(),
});

const ManifestSchema = z.strictObject({
  exec: z.string().min(1).max(1024),
  args: z.array(z.string().max(4096)).max(256).default([]),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "env names are letters, digits and _"), z.string()).default({}),
  health: HealthProbeSchema.optional(),
  limits: LimitsSchema.optional(),
});

export type Manifest = z.infer<typeof ManifestSchema>;
export type HealthProbe = z.infer<typeof HealthProbeSchema>;

/** Reads and validates `sysward.json` in an extracted package; undefined when there is none. */
export async function readManifest(versionDir: string): Promise<Manifest | undefined> {
  const path = join(versionDir, MANIFEST_FILE);
  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
  if (!st) return undefined;
  if (!st.isFile()) throw invalid(`${MANIFEST_FILE} is not a regular file`);
  if (st.size > MAX_MANIFEST_BYTES) throw invalid(`${MANIFEST_FILE} is larger than ${MAX_MANIFEST_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw invalid(`${MANIFEST_FILE} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) throw invalid(`${MANIFEST_FILE} is invalid:\n${z.prettifyError(parsed.error)}`);
  const exec = normaliseEntryPath(parsed.data.exec);
  if (!exec.ok) throw invalid(`${MANIFEST_FILE}: exec ${JSON.stringify(parsed.data.exec)}: ${exec.reason}`);
  return { ...parsed.data, exec: exec.path };
}

function invalid(message: string): DomainError {
  return new DomainError(message, "invalid-argument");
}
