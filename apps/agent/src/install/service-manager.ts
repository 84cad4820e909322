// Installs packages as services and drives them through the Runtime interface only.
// Every install is journaled (install-journal.ts) before it changes anything, and the write of
// service.json naming the new version is the commit point: init() after a crash keeps a
// committed install and undoes any other, so exactly one version is left running.
import { Code, ConnectError } from "@connectrpc/connect";
import { isValidPackageName, MAX_HEALTH_SECONDS } from "@sysward/contract";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { LogLine, LogsOptions, Runtime, RuntimeHandle, ServiceSpec } from "../runtime/runtime";
import { fsyncDir } from "./atomic-file";
import { watchHealth } from "./health-watch";
import { clearJournal, readJournal, writeJournal, type InstallJournal } from "./install-journal";
import { readManifest } from "./manifest";
import { prepareExecutable } from "./executable-check";
import { NameLocks } from "./name-locks";
import { assertPackageName } from "./package-name";
import {
  currentVersion,
  readServiceRecord,
  writeServiceRecord,
  type ServiceRecord,
  type VersionRecord,
} from "./service-record";
import {
  CRASH_POINTS,
  type ChangeResult,
  type CrashPoint,
  type InstallHeaderInput,
  type InstallPhaseName,
  type ManagerLogger,
  type ServiceView,
  type VersionInfo,
} from "./service-types";
import { writeStagingFile } from "./staging-writer";
import {
  listVersionDirs,
  makeVersionId,
  nextVersionNumber,
  partialVersionDir,
  pruneVersions,
  readCurrent,
  switchCurrent,
  versionDir,
  versionNumber,
  versionsDir,
} from "./version-dirs";
import { extractingAlong } from "./extracting-along";
import { StreamingZipExtractor } from "./streaming-zip-extract";
import { DEFAULT_EXTRACT_LIMITS, extractZip, StreamMismatch, type ExtractLimits, type StreamedEntry } from "./zip-verify-extract";

export interface ServiceManagerOptions {
  /** <data>/packages: one directory per package. */
  packagesDir: string;
  /** <data>/staging: uploads in flight; emptied by init(). */
  stagingDir: string;
  runtime: Runtime;
  /** SYSWARD_MAX_PACKAGE_BYTES. */
  maxPackageBytes: number;
  /** SYSWARD_HEALTH_SECONDS: the window when an install does not give one. */
  defaultHealthSeconds: number;
  extractLimits?: Partial<ExtractLimits>;
  /** Versions kept per package, current included. Default 3. */
  keepVersions?: number;
  healthPollMs?: number;
  /** Extra time a probe gets after the window to pass (a service that binds late). Default 10 s. */
  probeGraceMs?: number;
  logger?: ManagerLogger;
  /** SYSWARD_TEST_CRASH_AT (test only): SIGKILL this process when an install reaches the phase. */
  crashAt?: string;
  /** Told when an install takes its name's lock and how it ends (the agent's /metrics counts these). */
  onInstall?: (event: "started" | "succeeded" | "failed" | "rolled-back") => void;
}

const FAILURE_LOG_LINES = 20;
const NO_LOG: ManagerLogger = { info() {}, warn() {}, error() {} };

interface Progress {
  phase: InstallPhaseName;
  detail: string;
  since: Date;
}

/** An install step failed after the new version was started: roll back, answer FailedPrecondition. */
class StartFailure extends Error {}

export class ServiceManager {
  private readonly records = new Map<string, ServiceRecord>();
  private readonly progress = new Map<string, Progress>();
  private readonly locks = new NameLocks();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly shutdown = new AbortController();
  private readonly log: ManagerLogger;
  private readonly limits: ExtractLimits;
  private readonly keep: number;

  constructor(private readonly o: ServiceManagerOptions) {
    this.log = o.logger ?? NO_LOG;
    this.limits = { ...DEFAULT_EXTRACT_LIMITS, ...o.extractLimits };
    this.keep = Math.max(1, o.keepVersions ?? 3);
    if (o.crashAt && !CRASH_POINTS.includes(o.crashAt as CrashPoint)) {
      this.log.warn({ crashAt: o.crashAt, points: CRASH_POINTS }, "SYSWARD_TEST_CRASH_AT names no crash point; it will never fire");
    }
  }

  get runtimeName(): Runtime["name"] {
    return this.o.runtime.name;
  }

  // ------------------------------------------------------------------ boot

  /** Recovery: finish or undo journaled work, clear staging, bring wanted services back. */
  async init(): Promise<void> {
    await mkdir(this.o.packagesDir, { recursive: true, mode: 0o700 });
    await mkdir(this.o.stagingDir, { recursive: true, mode: 0o700 });
    for (const f of await readdir(this.o.stagingDir)) {
      await rm(join(this.o.stagingDir, f), { recursive: true, force: true });
    }
    for (const entry of await readdir(this.o.packagesDir)) {
      if (entry.startsWith(".removing-")) {
        await rm(join(this.o.packagesDir, entry), { recursive: true, force: true });
        continue;
      }
      if (!isValidPackageName(entry)) continue;
      try {
        await this.recoverPackage(entry);
      } catch (err) {
        this.log.error({ err, name: entry }, "could not recover package; leaving it as it is");
      }
    }
  }

  private async recoverPackage(name: string): Promise<void> {
    const pkgDir = this.pkgDir(name);
    const journal = await readJournal(pkgDir);
    let rec = await readServiceRecord(pkgDir);

    if (journal?.op === "remove") {
      this.log.warn({ name }, "finishing a remove interrupted by an agent restart");
      await this.stopLeftovers(name);
      await this.o.runtime.remove(name, { force: true });
      await this.discardPackageDir(name);
      return;
    }
    if (journal?.op === "install") {
      if (rec && journal.newVersion && rec.current === journal.newVersion) {
        this.log.warn({ name, version: rec.current }, "install had committed before the agent stopped; keeping it");
      } else {
        this.log.warn({ name, phase: journal.phase, version: journal.newVersion }, "undoing an install interrupted by an agent restart");
        if (journal.phase === "starting" || journal.phase === "health") await this.stopLeftovers(name);
        await rm(journal.stagingPath, { force: true });
        if (!rec) {
          await this.o.runtime.remove(name, { force: true });
          await this.discardPackageDir(name);
          return;
        }
      }
      await clearJournal(pkgDir);
    }
    if (!rec) {
      // A package dir with neither record nor journal: a first install killed before its journal landed.
      await this.discardPackageDir(name);
      return;
    }
    if (!currentVersion(rec)) throw new Error(`service.json names current version ${rec.current}, which it does not keep`);
    if ((await readCurrent(pkgDir)) !== rec.current) await switchCurrent(pkgDir, rec.current);
    await pruneVersions(pkgDir, new Set(rec.versions.map((v) => v.id)));
    this.records.set(name, rec);
    if (rec.desired === "running") {
      const spec = this.specFor(name, rec);
      if (rec.handle) {
        await this.o.runtime.recover(rec.handle, spec);
      } else {
        rec = { ...rec, handle: await this.o.runtime.start(spec) };
        await this.saveRecord(rec);
      }
    } else {
      // Stopped on purpose. An agent killed between recording the Stop and stopping the process
      // left it running, unwatched (found by reliability/kill-matrix): stop it now.
      await this.stopLeftovers(name);
    }
  }

  /**
   * After a crash the runtime's memory is gone but the process may not be (the supervisor's
   * children outlive the agent; systemd units run on). Runtimes stop by name from what they
   * persisted, so this needs no handle — and must not recover() one, which would restart a
   * version that has died.
   */
  private async stopLeftovers(name: string): Promise<void> {
    await this.o.runtime.stop(name);
  }

  // ------------------------------------------------------------------ install

  /** Receive, verify, extract, start, watch; roll back on failure. */
  async install(header: InstallHeaderInput, chunks: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<ChangeResult> {
    assertPackageName(header.name);
    const healthSeconds = header.healthSeconds ?? this.o.defaultHealthSeconds;
    if (!Number.isInteger(healthSeconds) || healthSeconds < 0 || healthSeconds > MAX_HEALTH_SECONDS) {
      throw new ConnectError(`health_seconds must be 0 to ${MAX_HEALTH_SECONDS}`, Code.InvalidArgument);
    }
    const expectSha = header.sha256?.toLowerCase() || undefined;
    if (expectSha && !/^[0-9a-f]{64}$/.test(expectSha)) {
      throw new ConnectError("sha256 must be 64 hex digits", Code.InvalidArgument);
    }
    if (header.sizeBytes && header.sizeBytes > this.o.maxPackageBytes) {
      throw new ConnectError(
        `package of ${header.sizeBytes} bytes is larger than the ${this.o.maxPackageBytes}-byte limit (SYSWARD_MAX_PACKAGE_BYTES)`,
        Code.ResourceExhausted,
      );
    }
    const release = this.locks.acquire(header.name, "install");
    this.o.onInstall?.("started");
    const counted = this.runInstall(header, healthSeconds, expectSha, chunks, signal).then(
      (res) => {
        this.o.onInstall?.("succeeded");
        return res;
      },
      (err: unknown) => {
        // undoInstall leaves the phase "rolled-back" only when the previous version was brought back.
        this.o.onInstall?.(this.progress.get(header.name)?.phase === "rolled-back" ? "rolled-back" : "failed");
        throw err;
      },
    );
    return this.track(counted.finally(release));
  }

  private async runInstall(
    header: InstallHeaderInput,
    healthSeconds: number,
    expectSha: string | undefined,
    chunks: AsyncIterable<Uint8Array>,
    signal: AbortSignal | undefined,
  ): Promise<ChangeResult> {
    const { name } = header;
    const pkgDir = this.pkgDir(name);
    const prev = this.records.get(name);
    this.setPhase(name, "receiving", "waiting for the first bytes");
    await mkdir(versionsDir(pkgDir), { recursive: true, mode: 0o700 });
    let journal: InstallJournal = {
      op: "install",
      name,
      phase: "receiving",
      startedAt: new Date().toISOString(),
      stagingPath: join(this.o.stagingDir, `${name}-${randomBytes(6).toString("hex")}.zip.part`),
    };
    await writeJournal(pkgDir, journal);
    let started = false;
    let newVersion: VersionRecord | undefined;
    // Extraction starts while the upload arrives; it is adopted only if the full check agrees.
    const streamDir = partialVersionDir(pkgDir, `stream-${randomBytes(6).toString("hex")}`);
    const streaming = new StreamingZipExtractor(streamDir, this.limits, signal);

    try {
      const staged = await writeStagingFile(extractingAlong(chunks, streaming), journal.stagingPath, {
        maxBytes: this.o.maxPackageBytes,
        declaredBytes: header.sizeBytes,
        signal,
        onChunk: (n) => {
          this.setPhase(name, "receiving", header.sizeBytes ? `${n} of ${header.sizeBytes} bytes` : `${n} bytes`);
          this.crashPoint("receiving");
        },
      });
      if (expectSha && staged.sha256 !== expectSha) {
        throw new ConnectError(`package sha256 is ${staged.sha256}, not the ${expectSha} the header announced`, Code.InvalidArgument);
      }

      const known = [...(prev?.versions.map((v) => v.id) ?? []), ...(await listVersionDirs(pkgDir))];
      const id = makeVersionId(nextVersionNumber(known), staged.sha256);
      this.setPhase(name, "verifying", `checking and extracting ${id}`);
      journal = { ...journal, phase: "verifying", newVersion: id };
      await writeJournal(pkgDir, journal);
      const partial = partialVersionDir(pkgDir, id);
      const streamed = await streaming.end();
      // Not an error: extractZip decides (and refuses precisely) what streaming did not take on.
      if (!streamed) this.log.info({ name, reason: streaming.gaveUp }, "extracting after the upload instead of during it");
      await this.extractPackage(journal.stagingPath, partial, streamDir, streamed);
      this.crashPoint("verifying");
      const manifest = await readManifest(partial);
      const exec = manifest?.exec ?? name;
      await prepareExecutable(
        partial,
        exec,
        manifest ? 'the "exec" of sysward.json' : `a file named like the package at the ZIP root, or "exec" in sysward.json`,
      );
      await rename(partial, versionDir(pkgDir, id));
      await fsyncDir(versionsDir(pkgDir));
      await rm(journal.stagingPath, { force: true });
      newVersion = {
        id,
        sha256: staged.sha256,
        installedAt: new Date().toISOString(),
        sizeBytes: staged.sizeBytes,
        exec,
        args: header.args?.length ? header.args : (manifest?.args ?? []),
        env: { ...manifest?.env, ...header.env },
        health: manifest?.health,
        limits: manifest?.limits,
      };

      this.setPhase(name, "starting", prev ? `stopping ${prev.current}, starting ${id}` : `starting ${id}`);
      journal = { ...journal, phase: "starting" };
      await writeJournal(pkgDir, journal);
      await mkdir(join(pkgDir, "data"), { recursive: true, mode: 0o700 });
      await mkdir(join(pkgDir, "logs"), { recursive: true, mode: 0o700 });
      started = true;
      if (prev) await this.o.runtime.stop(name);
      await switchCurrent(pkgDir, id);
      let handle: RuntimeHandle;
      try {
        handle = await this.o.runtime.start(this.spec(name, newVersion));
      } catch (err) {
        throw new StartFailure(`the runtime could not start it: ${err instanceof Error ? err.message : String(err)}`);
      }
      journal = { ...journal, phase: "health", newHandle: handle };
      await writeJournal(pkgDir, journal);
      this.crashPoint("starting");

      this.setPhase(name, "health", healthDetail(id, healthSeconds * 1000));
      const health = await watchHealth({
        runtime: this.o.runtime,
        name,
        seconds: healthSeconds,
        probe: newVersion.health,
        pollMs: this.o.healthPollMs,
        probeGraceMs: this.o.probeGraceMs,
        signal: this.shutdown.signal,
        onTick: (left) => {
          this.setPhase(name, "health", healthDetail(id, left));
          this.crashPoint("health");
        },
      });
      if (!health.ok) throw new StartFailure(health.reason);

      // Commit: from this write on, the new version is the service.
      const rec: ServiceRecord = {
        schema: 1,
        name,
        desired: "running",
        current: id,
        versions: [newVersion, ...(prev?.versions ?? [])].slice(0, this.keep),
        handle,
        updatedAt: "",
      };
      await this.saveRecord(rec);
      this.crashPoint("running");
      await clearJournal(pkgDir);
      await pruneVersions(pkgDir, new Set(rec.versions.map((v) => v.id)));
      this.setPhase(name, "running", `version ${id} is running`);
      this.log.info({ name, version: id, previous: prev?.current }, "installed");
      return { service: await this.view(name), previousVersion: prev?.current };
    } catch (err) {
      await streaming.abort();
      await rm(streamDir, { recursive: true, force: true });
      const lines = started ? await this.lastLogLines(name, FAILURE_LOG_LINES) : [];
      const what = newVersion ? `version ${newVersion.id} of ${name}` : `package ${name}`;
      try {
        await this.undoInstall(name, journal, prev, started, err);
      } catch (undoErr) {
        // The journal stays: the next init() finishes the undo.
        this.log.error({ err: undoErr, name }, "could not undo a failed install");
      }
      if (!(err instanceof StartFailure)) throw err;
      const outcome = prev
        ? prev.desired === "running"
          ? `rolled back to ${prev.current}, which is running again`
          : `rolled back to ${prev.current}`
        : "nothing was left installed";
      const logText = lines.length ? lines.join("\n") : "(it wrote no log lines)";
      throw new ConnectError(
        `${what} failed its health check: ${err.message}; ${outcome}.\nLast ${lines.length} log lines:\n${logText}`,
        Code.FailedPrecondition,
      );
    }
  }

  /**
   * The verified package in `partial`: what was extracted while the upload arrived (in streamDir)
   * when the central directory agrees with every entry of it, else a fresh extraction.
   */
  private async extractPackage(zipPath: string, partial: string, streamDir: string, streamed: ReadonlyMap<number, StreamedEntry> | undefined): Promise<void> {
    if (streamed) {
      await rename(streamDir, partial);
      try {
        await extractZip(zipPath, partial, this.limits, this.shutdown.signal, { entries: streamed });
        return;
      } catch (err) {
        if (!(err instanceof StreamMismatch)) throw err;
        this.log.info({ reason: err.message }, "what was extracted during the upload differs from the ZIP's directory; extracting again");
        await rm(partial, { recursive: true, force: true });
      }
    } else {
      await rm(streamDir, { recursive: true, force: true });
    }
    await extractZip(zipPath, partial, this.limits, this.shutdown.signal);
  }

  /** Put things back as they were before the install; for a first install, remove every trace. */
  private async undoInstall(
    name: string,
    journal: InstallJournal,
    prev: ServiceRecord | undefined,
    started: boolean,
    cause: unknown,
  ): Promise<void> {
    const pkgDir = this.pkgDir(name);
    const reason = cause instanceof Error ? cause.message.split("\n")[0]! : String(cause);
    if (started) await this.o.runtime.stop(name);
    await rm(journal.stagingPath, { force: true });
    if (journal.newVersion) {
      await rm(partialVersionDir(pkgDir, journal.newVersion), { recursive: true, force: true });
    }
    if (!prev) {
      if (started) await this.o.runtime.remove(name, { force: true });
      this.crashPoint("failed");
      await this.discardPackageDir(name);
      this.progress.delete(name);
      return;
    }
    if (started) {
      await switchCurrent(pkgDir, prev.current);
      let rec = prev;
      if (prev.desired === "running") {
        rec = { ...prev, handle: await this.o.runtime.start(this.specFor(name, prev)) };
        await this.saveRecord(rec);
      }
    }
    if (journal.newVersion) await rm(versionDir(pkgDir, journal.newVersion), { recursive: true, force: true });
    if (started) {
      this.crashPoint("rolled-back");
      this.setPhase(name, "rolled-back", `${journal.newVersion} failed (${reason}); back on ${prev.current}`);
    } else {
      this.crashPoint("failed");
      this.setPhase(name, "failed", `install failed (${reason}); ${prev.current} is unchanged`);
    }
    await clearJournal(pkgDir);
  }

  // ------------------------------------------------------------------ other changes

  /** Stop, forget in the runtime, delete the package directory. */
  async remove(name: string): Promise<void> {
    assertPackageName(name);
    const release = this.locks.acquire(name, "remove");
    try {
      const rec = this.records.get(name);
      if (!rec) throw notFound(name);
      const pkgDir = this.pkgDir(name);
      await writeJournal(pkgDir, { op: "remove", name, startedAt: new Date().toISOString() });
      this.crashPoint("remove-journaled");
      await this.o.runtime.stop(name);
      await this.o.runtime.remove(name, { force: true });
      this.crashPoint("remove-stopped");
      this.records.delete(name);
      this.progress.delete(name);
      await this.discardPackageDir(name, () => this.crashPoint("remove-renamed"));
      this.log.info({ name }, "removed");
    } finally {
      release();
    }
  }

  async start(name: string): Promise<ServiceView> {
    return this.change(name, "start", async (rec) => {
      const status = await this.o.runtime.inspect(name);
      const up = status && (status.state === "running" || status.state === "starting" || status.state === "backoff");
      if (rec.desired === "running" && up) return rec;
      rec = { ...rec, desired: "running" };
      await this.saveRecord(rec);
      return { ...rec, handle: await this.o.runtime.start(this.specFor(name, rec)) };
    });
  }

  async stop(name: string): Promise<ServiceView> {
    return this.change(name, "stop", async (rec) => {
      rec = { ...rec, desired: "stopped" };
      await this.saveRecord(rec);
      this.crashPoint("stop-recorded");
      await this.o.runtime.stop(name);
      return rec;
    });
  }

  async restart(name: string): Promise<ServiceView> {
    return this.change(name, "restart", async (rec) => {
      rec = { ...rec, desired: "running" };
      await this.saveRecord(rec);
      await this.o.runtime.stop(name);
      this.crashPoint("restart-stopped");
      return { ...rec, handle: await this.o.runtime.start(this.specFor(name, rec)) };
    });
  }

  /** Make `version` (default: the newest kept version older than current) current and start it. */
  async rollback(name: string, version?: string): Promise<ChangeResult> {
    let previous = "";
    const service = await this.change(name, "rollback", async (rec) => {
      previous = rec.current;
      let target: VersionRecord | undefined;
      if (version) {
        target = rec.versions.find((v) => v.id === version);
        if (!target) {
          throw new ConnectError(
            `version ${version} of ${name} is not kept (kept: ${rec.versions.map((v) => v.id).join(", ")})`,
            Code.NotFound,
          );
        }
        if (target.id === rec.current) {
          throw new ConnectError(`version ${version} of ${name} is already current`, Code.FailedPrecondition);
        }
      } else {
        const n = versionNumber(rec.current);
        target = rec.versions.find((v) => versionNumber(v.id) < n);
        if (!target) throw new ConnectError(`no version of ${name} older than ${rec.current} is kept`, Code.FailedPrecondition);
      }
      this.setPhase(name, "starting", `rolling back from ${rec.current} to ${target.id}`);
      // service.json first: a crash from here on recovers to the target version.
      rec = { ...rec, current: target.id, desired: "running" };
      await this.saveRecord(rec);
      this.crashPoint("rollback-committed");
      await this.o.runtime.stop(name);
      await switchCurrent(this.pkgDir(name), target.id);
      rec = { ...rec, handle: await this.o.runtime.start(this.spec(name, target)) };
      this.setPhase(name, "running", `rolled back from ${previous} to ${target.id}`);
      return rec;
    });
    return { service, previousVersion: previous };
  }

  /** Runs one locked change on an installed service and saves the record it returns. */
  private async change(
    name: string,
    op: "start" | "stop" | "restart" | "rollback",
    fn: (rec: ServiceRecord) => Promise<ServiceRecord>,
  ): Promise<ServiceView> {
    assertPackageName(name);
    const release = this.locks.acquire(name, op);
    try {
      const rec = this.records.get(name);
      if (!rec) throw notFound(name);
      const next = await this.track(fn(rec));
      if (next !== rec) await this.saveRecord(next);
      return await this.view(name);
    } finally {
      release();
    }
  }

  // ------------------------------------------------------------------ reads

  async get(name: string): Promise<ServiceView> {
    assertPackageName(name);
    if (!this.records.has(name) && !this.progress.has(name)) throw notFound(name);
    return this.view(name);
  }

  async list(): Promise<ServiceView[]> {
    const names = [...new Set([...this.records.keys(), ...this.progress.keys()])].sort();
    return Promise.all(names.map((n) => this.view(n)));
  }

  /** The runtime's log lines for the service (last `tail`, then new ones while `follow`). */
  logs(name: string, opts: LogsOptions): AsyncIterable<LogLine> {
    assertPackageName(name);
    if (!this.records.has(name) && !this.progress.has(name)) throw notFound(name);
    return this.o.runtime.logs(name, opts);
  }

  /** Root pids of every running service (for perf). */
  pids(): Map<string, number[]> {
    return this.o.runtime.pids();
  }

  /** Lets in-flight changes finish (a health window is cut short and rolled back). Does not close the runtime. */
  async close(): Promise<void> {
    this.shutdown.abort();
    await Promise.allSettled([...this.inflight]);
  }

  // ------------------------------------------------------------------ helpers

  private async view(name: string): Promise<ServiceView> {
    const rec = this.records.get(name);
    const p = this.progress.get(name);
    const status = await this.o.runtime.inspect(name);
    const versions = rec?.versions.map(toVersionInfo) ?? [];
    return {
      name,
      state: status?.state ?? "stopped",
      version: versions.find((v) => v.id === rec?.current),
      keptVersions: versions,
      pids: status?.pids ?? [],
      since: status?.since,
      restarts: status?.restarts ?? 0,
      runtime: this.o.runtime.name,
      phase: p?.phase,
      phaseDetail: p?.detail ?? "",
      stateDetail: status?.reason ?? "",
      lastExit: status?.lastExit,
      enabled: rec?.desired === "running",
    };
  }

  private async lastLogLines(name: string, n: number): Promise<string[]> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 2000);
    const lines: string[] = [];
    try {
      for await (const l of this.o.runtime.logs(name, { tail: n, follow: false, signal: ac.signal })) {
        lines.push(l.line);
        if (lines.length > n) lines.shift();
      }
    } catch (err) {
      if (!ac.signal.aborted) this.log.warn({ err, name }, "could not read the service's log");
    } finally {
      clearTimeout(timer);
    }
    return lines;
  }

  private async saveRecord(rec: ServiceRecord): Promise<void> {
    await writeServiceRecord(this.pkgDir(rec.name), rec);
    this.records.set(rec.name, rec);
  }

  private specFor(name: string, rec: ServiceRecord): ServiceSpec {
    const v = currentVersion(rec);
    if (!v) throw new Error(`service.json of ${name} names current version ${rec.current}, which it does not keep`);
    return this.spec(name, v);
  }

  private spec(name: string, v: VersionRecord): ServiceSpec {
    const pkgDir = this.pkgDir(name);
    const workDir = versionDir(pkgDir, v.id);
    return {
      name,
      versionId: v.id,
      workDir,
      exec: join(workDir, v.exec),
      args: v.args,
      env: v.env,
      stateDir: join(pkgDir, "data"),
      logDir: join(pkgDir, "logs"),
      ...(v.limits && { limits: v.limits }),
    };
  }

  private pkgDir(name: string): string {
    return join(this.o.packagesDir, name);
  }

  /** Rename out of the way first, so a crash mid-delete never leaves a half package under its name. */
  private async discardPackageDir(name: string, afterRename?: () => void): Promise<void> {
    const trash = join(this.o.packagesDir, `.removing-${name}-${randomBytes(4).toString("hex")}`);
    try {
      await rename(this.pkgDir(name), trash);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    await fsyncDir(this.o.packagesDir);
    afterRename?.();
    await rm(trash, { recursive: true, force: true });
  }

  private setPhase(name: string, phase: InstallPhaseName, detail: string): void {
    this.progress.set(name, { phase, detail, since: new Date() });
  }

  private crashPoint(phase: CrashPoint): void {
    if (this.o.crashAt !== phase) return;
    this.log.warn({ phase }, "SYSWARD_TEST_CRASH_AT: killing the agent with SIGKILL");
    process.kill(process.pid, "SIGKILL");
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    void p.catch(() => {}).finally(() => this.inflight.delete(p));
    return p;
  }
}

function healthDetail(id: string, leftMs: number): string {
  return `health check of ${id}: ${Math.ceil(leftMs / 1000)} s left`;
}

function toVersionInfo(v: VersionRecord): VersionInfo {
  return { id: v.id, sha256: v.sha256, installedAt: new Date(v.installedAt), sizeBytes: v.sizeBytes };
}

function notFound(name: string): ConnectError {
  return new ConnectError(`no package named ${name} is installed`, Code.NotFound);
}
