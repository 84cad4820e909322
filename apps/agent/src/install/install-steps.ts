// The install as one table of steps: receive → stage → verify → swap → start → watch → commit,
// and on failure rollback. Each step names the phase people see (and journal.json records while
// it runs), the crash point SYSWARD_TEST_CRASH_AT can stop it at, its action, what undoes it in
// process, and what recovery must undo after a crash. Running (runInstallSteps), undoing,
// recovering (recoverInstall) and the crash tests' list of points are all read from this table.
import { MAX_HEALTH_SECONDS } from "@sysward/contract";
import { DomainError } from "../domain-error";
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Runtime, RuntimeHandle, ServiceSpec } from "../runtime/runtime";
import { fsyncDir } from "./atomic-file";
import { prepareExecutable } from "./executable-check";
import { extractingAlong } from "./extracting-along";
import { watchHealth } from "./health-watch";
import { clearJournal, writeJournal, type InstallJournal } from "./install-journal";
import { readManifest } from "./manifest";
import type { ServiceRecord, VersionRecord } from "./service-record";
import type { InstallHeaderInput, ManagerLogger } from "./service-types";
import { writeStagingFile, type StagedPackage } from "./staging-writer";
import { StreamingZipExtractor } from "./streaming-zip-extract";
import { listVersionDirs, makeVersionId, nextVersionNumber, partialVersionDir, pruneVersions, switchCurrent, versionDir, versionsDir } from "./version-dirs";
import { extractZip, verifyStreamed, type ExtractLimits } from "./zip-verify-extract";

/** What the steps need from the service manager. */
export interface InstallEnv {
  runtime: Runtime;
  stagingDir: string;
  limits: ExtractLimits;
  maxPackageBytes: number;
  /** Versions kept per package, current included. */
  keep: number;
  healthPollMs?: number;
  probeGraceMs?: number;
  /** Aborted when the agent shuts down: a health window is cut short and rolled back. */
  shutdown: AbortSignal;
  log: ManagerLogger;
  setPhase(name: string, phase: InstallPhaseName, detail: string): void;
  clearPhase(name: string): void;
  crashPoint(point: CrashPointName): void;
  spec(name: string, v: VersionRecord): ServiceSpec;
  specFor(name: string, rec: ServiceRecord): ServiceSpec;
  saveRecord(rec: ServiceRecord): Promise<void>;
  discardPackageDir(name: string): Promise<void>;
  lastLogLines(name: string, n: number): Promise<string[]>;
}

/** One install in flight: what the steps hand on to each other. */
export interface InstallRun {
  readonly name: string;
  readonly pkgDir: string;
  readonly header: InstallHeaderInput;
  readonly healthSeconds: number;
  readonly expectSha?: string;
  readonly chunks: AsyncIterable<Uint8Array>;
  readonly signal?: AbortSignal;
  /** The service as it was before; undefined for a first install. */
  readonly prev?: ServiceRecord;
  readonly stagingPath: string;
  /** Extraction during the upload goes here; adopted only if the full check agrees. */
  readonly streamDir: string;
  readonly streaming: StreamingZipExtractor;
  staged?: StagedPackage;
  /** Known once the upload is whole (its number and sha256). */
  versionId?: string;
  newVersion?: VersionRecord;
  handle?: RuntimeHandle;
  result?: ServiceRecord;
}

interface InstallStep {
  readonly step: string;
  /** Shown while the step runs; written to journal.json as `phase` before it starts. */
  readonly phase: "receiving" | "verifying" | "starting" | "health" | "running";
  /** Reached when the action is done (or earlier, when the action calls it). */
  readonly crashPoint?: "receiving" | "verifying" | "starting" | "health" | "running";
  /** From this step on the service's processes and `current` link may have changed. */
  readonly touchesService?: boolean;
  /** The commit point: no journal phase, the journal is cleared. */
  readonly commits?: boolean;
  /** Shown when the step begins; without it the previous step's phase stays on show. */
  detail?(r: InstallRun): string;
  /** `reached` fires the step's crash point (actions that call it mid-way: receive, watch). */
  run(r: InstallRun, env: InstallEnv, reached: () => void): Promise<void>;
  /** In process, after this step or a later one failed; must cope with a half-done action. */
  undo?(r: InstallRun, env: InstallEnv): Promise<void>;
  /**
   * After a crash with the journal at this step or a later one. What is not here recovery does
   * for every package: `current` follows service.json and unlisted version dirs are pruned.
   */
  recover?(j: InstallJournal, env: InstallEnv): Promise<void>;
}

export const INSTALL_STEPS = [
  {
    step: "receive",
    phase: "receiving",
    crashPoint: "receiving",
    detail: () => "waiting for the first bytes",
    run: receive,
    undo: async (r) => {
      await r.streaming.abort();
      await rm(r.streamDir, { recursive: true, force: true });
      await rm(r.stagingPath, { force: true });
    },
    recover: (j) => rm(j.stagingPath, { force: true }),
  },
  {
    step: "stage",
    phase: "verifying",
    crashPoint: "verifying",
    detail: (r) => `checking and extracting ${r.versionId}`,
    run: stage,
    undo: (r) => rm(partialVersionDir(r.pkgDir, r.versionId!), { recursive: true, force: true }),
  },
  {
    step: "verify",
    phase: "verifying",
    detail: (r) => `checking and extracting ${r.versionId}`,
    run: verify,
    undo: (r) => rm(versionDir(r.pkgDir, r.versionId!), { recursive: true, force: true }),
  },
  {
    step: "swap",
    phase: "starting",
    touchesService: true,
    detail: (r) => (r.prev ? `stopping ${r.prev.current}, starting ${r.versionId}` : `starting ${r.versionId}`),
    run: swap,
    undo: unswap,
    // Whatever the crashed agent had started runs on under the name (supervised children outlive it).
    recover: (_j, env) => env.runtime.stop(_j.name),
  },
  {
    step: "start",
    phase: "starting",
    crashPoint: "starting",
    touchesService: true,
    detail: (r) => (r.prev ? `stopping ${r.prev.current}, starting ${r.versionId}` : `starting ${r.versionId}`),
    run: start,
    undo: (r, env) => env.runtime.stop(r.name),
  },
  {
    step: "watch",
    phase: "health",
    crashPoint: "health",
    touchesService: true,
    detail: (r) => healthDetail(r.versionId!, r.healthSeconds * 1000),
    run: watch,
  },
  {
    step: "commit",
    phase: "running",
    crashPoint: "running",
    commits: true,
    run: commit,
  },
] as const satisfies readonly InstallStep[];

/** How a failed install ends: the previous version back in service, or no change at all. */
export const INSTALL_OUTCOMES = [
  { phase: "rolled-back", crashPoint: "rolled-back" },
  { phase: "failed", crashPoint: "failed" },
] as const;

type Step = (typeof INSTALL_STEPS)[number];

/** Where an install (or rollback) of a service stands; shown to people watching it. */
export type InstallPhaseName = Step["phase"] | (typeof INSTALL_OUTCOMES)[number]["phase"];
/** What journal.json records: the phase of a step before the commit. */
export type JournalPhase = Exclude<Step["phase"], Extract<Step, { commits: true }>["phase"]>;
export type InstallCrashPoint = Extract<Step, { crashPoint: string }>["crashPoint"] | (typeof INSTALL_OUTCOMES)[number]["crashPoint"];

export const INSTALL_PHASES: readonly InstallPhaseName[] = unique([...INSTALL_STEPS.map((s) => s.phase), ...INSTALL_OUTCOMES.map((o) => o.phase)]);
export const INSTALL_CRASH_POINTS: readonly InstallCrashPoint[] = [
  ...INSTALL_STEPS.flatMap((s): InstallCrashPoint[] => ("crashPoint" in s ? [s.crashPoint] : [])),
  ...INSTALL_OUTCOMES.map((o) => o.crashPoint),
];

/**
 * Where SYSWARD_TEST_CRASH_AT (test only) can kill the agent besides installs: the steps of
 * remove, rollback, restart and stop that leave disk and processes between two states.
 */
export const OTHER_CRASH_POINTS = ["remove-journaled", "remove-stopped", "remove-renamed", "rollback-committed", "restart-stopped", "stop-recorded"] as const;
export type CrashPointName = InstallCrashPoint | (typeof OTHER_CRASH_POINTS)[number];
export const CRASH_POINTS: readonly CrashPointName[] = [...INSTALL_CRASH_POINTS, ...OTHER_CRASH_POINTS];

/** A step failed after the new version was started: roll back, answer FailedPrecondition. */
class StartFailure extends Error {}

const FAILURE_LOG_LINES = 20;

/** Refuses a header before any byte is read: its health window, sha256 and announced size. */
export function checkInstallHeader(header: InstallHeaderInput, defaultHealthSeconds: number, maxPackageBytes: number): { healthSeconds: number; expectSha?: string } {
  const healthSeconds = header.healthSeconds ?? defaultHealthSeconds;
  if (!Number.isInteger(healthSeconds) || healthSeconds < 0 || healthSeconds > MAX_HEALTH_SECONDS) {
    throw new DomainError(`health_seconds must be 0 to ${MAX_HEALTH_SECONDS}`, "invalid-argument");
  }
  const expectSha = header.sha256?.toLowerCase() || undefined;
  if (expectSha && !/^[0-9a-f]{64}$/.test(expectSha)) {
    throw new DomainError("sha256 must be 64 hex digits", "invalid-argument");
  }
  if (header.sizeBytes && header.sizeBytes > maxPackageBytes) {
    throw new DomainError(
      `package of ${header.sizeBytes} bytes is larger than the ${maxPackageBytes}-byte limit (SYSWARD_MAX_PACKAGE_BYTES)`,
      "resource-exhausted",
    );
  }
  return { healthSeconds, expectSha };
}

export function newInstallRun(
  env: InstallEnv,
  fields: Pick<InstallRun, "name" | "pkgDir" | "header" | "healthSeconds" | "expectSha" | "chunks" | "signal" | "prev">,
): InstallRun {
  const streamDir = partialVersionDir(fields.pkgDir, `stream-${randomBytes(6).toString("hex")}`);
  return {
    ...fields,
    stagingPath: join(env.stagingDir, `${fields.name}-${randomBytes(6).toString("hex")}.zip.part`),
    streamDir,
    streaming: new StreamingZipExtractor(streamDir, env.limits, fields.signal),
  };
}

/** Runs the steps in order; on a failure undoes the steps begun, newest first, and says how it ended. */
export async function runInstallSteps(r: InstallRun, env: InstallEnv): Promise<ServiceRecord> {
  await mkdir(versionsDir(r.pkgDir), { recursive: true, mode: 0o700 });
  let journal: InstallJournal = { op: "install", name: r.name, phase: "receiving", startedAt: new Date().toISOString(), stagingPath: r.stagingPath };
  const begun: Step[] = [];
  try {
    for (const s of INSTALL_STEPS) {
      if ("detail" in s) env.setPhase(r.name, s.phase, s.detail(r));
      if (!("commits" in s) && (begun.length === 0 || journal.phase !== s.phase)) {
        journal = { ...journal, phase: s.phase, newVersion: r.versionId, ...(r.handle && { newHandle: r.handle }) };
        await writeJournal(r.pkgDir, journal);
      }
      begun.push(s);
      const reached = "crashPoint" in s ? () => env.crashPoint(s.crashPoint) : () => {};
      await s.run(r, env, reached);
      reached();
    }
    return r.result!;
  } catch (err) {
    const touched = begun.some((s) => "touchesService" in s);
    const lines = touched ? await env.lastLogLines(r.name, FAILURE_LOG_LINES) : [];
    try {
      await undoSteps(r, env, begun, err);
    } catch (undoErr) {
      // The journal stays: the next init() finishes the undo.
      env.log.error({ err: undoErr, name: r.name }, "could not undo a failed install");
    }
    if (!(err instanceof StartFailure)) throw err;
    const what = r.newVersion ? `version ${r.newVersion.id} of ${r.name}` : `package ${r.name}`;
    const outcome = r.prev
      ? r.prev.desired === "running"
        ? `rolled back to ${r.prev.current}, which is running again`
        : `rolled back to ${r.prev.current}`
      : "nothing was left installed";
    const logText = lines.length ? lines.join("\n") : "(it wrote no log lines)";
    throw new DomainError(
      `${what} failed its health check: ${err.message}; ${outcome}.\nLast ${lines.length} log lines:\n${logText}`,
      "failed-precondition",
    );
  }
}

/** Put things back as they were before the install; for a first install, remove every trace. */
async function undoSteps(r: InstallRun, env: InstallEnv, begun: readonly Step[], cause: unknown): Promise<void> {
  const reason = cause instanceof Error ? cause.message.split("\n")[0]! : String(cause);
  for (const s of [...begun].reverse()) if ("undo" in s) await s.undo(r, env);
  if (!r.prev) {
    env.crashPoint("failed");
    await env.discardPackageDir(r.name);
    env.clearPhase(r.name);
    return;
  }
  if (begun.some((s) => "touchesService" in s)) {
    env.crashPoint("rolled-back");
    env.setPhase(r.name, "rolled-back", `${r.versionId} failed (${reason}); back on ${r.prev.current}`);
  } else {
    env.crashPoint("failed");
    env.setPhase(r.name, "failed", `install failed (${reason}); ${r.prev.current} is unchanged`);
  }
  await clearJournal(r.pkgDir);
}

/**
 * After a crash, an install journal whose new version is not in service.json: undo what the
 * steps up to the journaled one may have left, newest first. Returns whether the package is
 * gone (a first install).
 */
export async function recoverInstall(j: InstallJournal, rec: ServiceRecord | undefined, env: InstallEnv): Promise<"removed" | "kept"> {
  const upTo = INSTALL_STEPS.findLastIndex((s) => s.phase === j.phase);
  const steps: readonly InstallStep[] = INSTALL_STEPS.slice(0, upTo + 1).reverse();
  for (const s of steps) await s.recover?.(j, env);
  if (rec) return "kept";
  await env.runtime.remove(j.name, { force: true });
  await env.discardPackageDir(j.name);
  return "removed";
}

// ------------------------------------------------------------------ the steps

/** The upload to the staging file, extracted along the way; its sha256 gives the version id. */
async function receive(r: InstallRun, env: InstallEnv, reached: () => void): Promise<void> {
  const { header } = r;
  r.staged = await writeStagingFile(extractingAlong(r.chunks, r.streaming), r.stagingPath, {
    maxBytes: env.maxPackageBytes,
    declaredBytes: header.sizeBytes,
    signal: r.signal,
    onChunk: (n) => {
      env.setPhase(r.name, "receiving", header.sizeBytes ? `${n} of ${header.sizeBytes} bytes` : `${n} bytes`);
      reached();
    },
  });
  if (r.expectSha && r.staged.sha256 !== r.expectSha) {
    throw new DomainError(`package sha256 is ${r.staged.sha256}, not the ${r.expectSha} the header announced`, "invalid-argument");
  }
  const known = [...(r.prev?.versions.map((v) => v.id) ?? []), ...(await listVersionDirs(r.pkgDir))];
  r.versionId = makeVersionId(nextVersionNumber(known), r.staged.sha256);
}

/**
 * The verified archive in versions/.partial-<id>: what was extracted while the upload arrived
 * when the central directory agrees with every entry of it, else a fresh extraction.
 */
async function stage(r: InstallRun, env: InstallEnv): Promise<void> {
  const partial = partialVersionDir(r.pkgDir, r.versionId!);
  const streamed = await r.streaming.end();
  if (streamed) {
    await rename(r.streamDir, partial);
    const verdict = await verifyStreamed({ zipPath: r.stagingPath, dir: partial, streamed, limits: env.limits, signal: env.shutdown });
    if (verdict.adopted) return;
    env.log.info({ reason: verdict.reason }, "what was extracted during the upload differs from the ZIP's directory; extracting again");
    await rm(partial, { recursive: true, force: true });
  } else {
    // Not an error: extractZip decides (and refuses precisely) what streaming did not take on.
    env.log.info({ name: r.name, reason: r.streaming.gaveUp }, "extracting after the upload instead of during it");
    await rm(r.streamDir, { recursive: true, force: true });
  }
  await extractZip(r.stagingPath, partial, env.limits, env.shutdown);
}

/** The manifest and the executable checked; the tree becomes versions/<id>. */
async function verify(r: InstallRun): Promise<void> {
  const { name, pkgDir, header } = r;
  const id = r.versionId!;
  const partial = partialVersionDir(pkgDir, id);
  const manifest = await readManifest(partial);
  const exec = manifest?.exec ?? name;
  await prepareExecutable(
    partial,
    exec,
    manifest ? 'the "exec" of sysward.json' : `a file named like the package at the ZIP root, or "exec" in sysward.json`,
  );
  await rename(partial, versionDir(pkgDir, id));
  await fsyncDir(versionsDir(pkgDir));
  await rm(r.stagingPath, { force: true });
  r.newVersion = {
    id,
    sha256: r.staged!.sha256,
    installedAt: new Date().toISOString(),
    sizeBytes: r.staged!.sizeBytes,
    exec,
    args: header.args?.length ? header.args : (manifest?.args ?? []),
    env: { ...manifest?.env, ...header.env },
    health: manifest?.health,
    limits: manifest?.limits,
  };
}

/** The old version stopped and `current` pointed at the new one. */
async function swap(r: InstallRun, env: InstallEnv): Promise<void> {
  await mkdir(join(r.pkgDir, "data"), { recursive: true, mode: 0o700 });
  await mkdir(join(r.pkgDir, "logs"), { recursive: true, mode: 0o700 });
  if (r.prev) await env.runtime.stop(r.name);
  await switchCurrent(r.pkgDir, r.versionId!);
}

/** `current` back on the old version, running again if it was meant to; a first install's service forgotten. */
async function unswap(r: InstallRun, env: InstallEnv): Promise<void> {
  await env.runtime.stop(r.name);
  const { prev } = r;
  if (!prev) {
    await env.runtime.remove(r.name, { force: true });
    return;
  }
  await switchCurrent(r.pkgDir, prev.current);
  if (prev.desired === "running") await env.saveRecord({ ...prev, handle: await env.runtime.start(env.specFor(r.name, prev)) });
}

async function start(r: InstallRun, env: InstallEnv): Promise<void> {
  try {
    r.handle = await env.runtime.start(env.spec(r.name, r.newVersion!));
  } catch (err) {
    throw new StartFailure(`the runtime could not start it: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The health window (health-watch.ts). */
async function watch(r: InstallRun, env: InstallEnv, reached: () => void): Promise<void> {
  const id = r.versionId!;
  const health = await watchHealth({
    runtime: env.runtime,
    name: r.name,
    seconds: r.healthSeconds,
    probe: r.newVersion!.health,
    pollMs: env.healthPollMs,
    probeGraceMs: env.probeGraceMs,
    signal: env.shutdown,
    onTick: (left) => {
      env.setPhase(r.name, "health", healthDetail(id, left));
      reached();
    },
  });
  if (!health.ok) throw new StartFailure(health.reason);
}

/** The commit point: from the write of service.json on, the new version is the service. */
async function commit(r: InstallRun, env: InstallEnv, reached: () => void): Promise<void> {
  const id = r.versionId!;
  const rec: ServiceRecord = {
    schema: 1,
    name: r.name,
    desired: "running",
    current: id,
    versions: [r.newVersion!, ...(r.prev?.versions ?? [])].slice(0, env.keep),
    handle: r.handle,
    updatedAt: "",
  };
  await env.saveRecord(rec);
  reached();
  await clearJournal(r.pkgDir);
  await pruneVersions(r.pkgDir, new Set(rec.versions.map((v) => v.id)));
  env.setPhase(r.name, "running", `version ${id} is running`);
  r.result = rec;
}

function healthDetail(id: string, leftMs: number): string {
  return `health check of ${id}: ${Math.ceil(leftMs / 1000)} s left`;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
