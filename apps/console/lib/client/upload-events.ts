// The upload route's NDJSON protocol (see console-contract: POST /api/agents/<id>/upload), parsed
// strictly so a malformed line becomes a readable error instead of a silent UI freeze.
import { z } from "zod";
import type { InstallPhaseName, UploadEvent as SharedUploadEvent } from "../shared/types";

export const UPLOAD_PHASES = ["receiving", "verifying", "starting", "health", "running", "rolled-back", "failed"] as const satisfies readonly InstallPhaseName[];
export type UploadPhase = (typeof UPLOAD_PHASES)[number];

const phaseEvent = z.object({
  type: z.literal("phase"),
  phase: z.enum(UPLOAD_PHASES),
  detail: z.string().optional().default(""),
  bytes: z.number().optional(),
});

const installedService = z.object({
  name: z.string(),
  version: z.string().optional().default(""),
  sha256: z.string().optional().default(""),
  state: z.string().optional().default(""),
  pids: z.array(z.number()).optional().default([]),
  runtime: z.string().optional().default(""),
});

const okResult = z.object({
  type: z.literal("result"),
  ok: z.literal(true),
  service: installedService,
  previousVersion: z.string().optional(),
});

const failedResult = z.object({
  type: z.literal("result"),
  ok: z.literal(false),
  code: z.string().optional().default("unknown"),
  message: z.string(),
  logLines: z.array(z.string()).optional().default([]),
  previousStillRunning: z.boolean().optional().default(false),
});

const uploadEvent = z.union([phaseEvent, okResult, failedResult]);

export type PhaseEvent = z.infer<typeof phaseEvent>;
export type InstalledService = z.infer<typeof installedService>;
export type OkResult = z.infer<typeof okResult>;
export type FailedResult = z.infer<typeof failedResult>;
export type UploadEvent = z.infer<typeof uploadEvent>;

// Compile-time check that this parser and the server's type (lib/shared/types.ts) agree.
type Assert<T extends true> = T;
export type _ParsedMatchesShared = Assert<UploadEvent extends SharedUploadEvent ? true : false>;

/** Parses one NDJSON line; throws an Error naming the bad line when it is not a known event. */
export function parseUploadEvent(line: string): UploadEvent {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new Error(`the console sent an unreadable progress line: ${truncate(line)}`);
  }
  const parsed = uploadEvent.safeParse(json);
  if (!parsed.success) {
    throw new Error(`the console sent an unexpected progress line: ${truncate(line)}`);
  }
  return parsed.data;
}

/** The `{ "error": "..." }` body of a pre-stream failure (400/401/403/413/415), else a status line. */
export function parseErrorBody(status: number, body: string): string {
  try {
    const json: unknown = JSON.parse(body);
    if (json && typeof json === "object" && "error" in json && typeof json.error === "string") {
      return json.error;
    }
  } catch {
    // not JSON: fall through to the generic message
  }
  if (status === 0) return "the console could not be reached (network error)";
  return `the console answered ${status}${body.trim() ? `: ${truncate(body.trim())}` : ""}`;
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
