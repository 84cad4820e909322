// Installs packages as services and drives them through the Runtime interface only.
// Every install is journaled (install-journal.ts) before it changes anything, and the write of
// service.json naming the new version is the commit point: init() after a crash keeps a
// committed install and undoes any other, so exactly one version is left running.
import { DomainError } from "../domain-error";
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { LogLine, LogsOptions, Runtime, ServiceSpec } from "../runtime/runtime";
import { clearJournal, readJournal, writeJournal } from "./install-journal";
import {
  checkInstallHeader,
  CRASH_POINTS,
  newInstallRun,
  recoverInstall,
  runInstallSteps,
  type CrashPointName,
  type InstallEnv,
  type InstallPhaseName,
} from "./install-steps";
import { assertMayStart } from "../runtime/isolation";
import { NameLocks } from "./name-locks";
import { discardPackageDir, lastLogLines, serviceSpec } from "./package-dir";
import { isValidPackageName } from "@sysward/contract";
import { assertPackageName } from "./package-name";
import { currentVersion, readServiceRecord, writeServiceRecord, type ServiceRecord, type VersionRecord } from "./service-record";
import type { ChangeResult, InstallHeaderInput, ManagerLogger, ServiceView } from "./service-types";
import { ServiceUsers } from "./service-users";
import { serviceView, type Progress } from "./service-view";
import { pruneVersions, readCurrent, switchCurrent, versionNumber } from "./version-dirs";
import { DEFAULT_EXTRACT_LIMITS, type ExtractLimits } from "./zip-verify-extract";

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
  /** SYSWARD_SERVICE_UID_BASE: first of the uids a root agent gives its services. */
  serviceUidBase?: number;
  /** Told when an install takes its name's lock and how it ends (the agent's /metrics counts these). */
  onInstall?: (event: "started" | "succeeded" | "failed" | "rolled-back") => void;
  /** Told after anything the manager does that may change what list() shows (WatchServices looks sooner). */
  onChange?: () => void;
}

const NO_LOG: ManagerLogger = { info() {}, warn() {}, error() {} };

export class ServiceManager {
  private readonly records = new Map<string, ServiceRecord>();
  private readonly progress = new Map<string, Progress>();
  private readonly locks = new NameLocks();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly shutdown = new AbortController();
  private readonly log: ManagerLogger;
  private readonly users: ServiceUsers;

  /** What the install steps (install-steps.ts) use of the manager. */
  private readonly env: InstallEnv;

  constructor(private readonly o: ServiceManagerOptions) {
    this.log = o.logger ?? NO_LOG;
    this.users = new ServiceUsers(o.packagesDir, o.serviceUidBase);
    this.env = {
      runtime: o.runtime,
      stagingDir: o.stagingDir,
      limits: { ...DEFAULT_EXTRACT_LIMITS, ...o.extractLimits },
      maxPackageBytes: o.maxPackageBytes,
      keep: Math.max(1, o.keepVersions ?? 3),
      healthPollMs: o.healthPollMs,
      probeGraceMs: o.probeGraceMs,
      shutdown: this.shutdown.signal,
      log: this.log,
      setPhase: (name, phase, detail) => this.setPhase(name, phase, detail),
      clearPhase: (name) => {
        this.progress.delete(name);
        this.o.onChange?.();
      },
      crashPoint: (point) => this.crashPoint(point),
      spec: (name, v) => this.spec(name, v),
      specFor: (name, rec) => this.specFor(name, rec),
      saveRecord: (rec) => this.saveRecord(rec),
      discardPackageDir: (name) => this.discardPackageDir(name),
      lastLogLines: (name, n) => lastLogLines(o.runtime, name, n, this.log),
    };
    if (o.crashAt && !CRASH_POINTS.includes(o.crashAt as CrashPointName)) {
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
        await this.users.load(entry);
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
        if ((await recoverInstall(journal, rec, this.env)) === "removed") return;
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
    // Installed before the agent ran as root (or under another runtime): its own uid from now on.
    if (this.o.runtime.isolation.separateUsers) await this.users.assign(name);
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
    const { healthSeconds, expectSha } = checkInstallHeader(header, this.o.defaultHealthSeconds, this.o.maxPackageBytes);
    // Before a byte is read: a package that could not be started sandboxed is refused now.
    assertMayStart(this.o.runtime.isolation, header.name);
    const release = this.locks.acquire(header.name, "install");
    this.o.onInstall?.("started");
    const prev = this.records.get(header.name);
    const run = newInstallRun(this.env, { name: header.name, pkgDir: this.pkgDir(header.name), header, healthSeconds, expectSha, chunks, signal, prev });
    const steps = async () => {
      if (this.o.runtime.isolation.separateUsers) await this.users.assign(header.name);
      await runInstallSteps(run, this.env);
    };
    const counted = steps().then(
      async () => {
        this.o.onInstall?.("succeeded");
        this.log.info({ name: header.name, version: run.versionId, previous: prev?.current }, "installed");
        return { service: await this.view(header.name), previousVersion: prev?.current };
      },
      (err: unknown) => {
        // undoInstall leaves the phase "rolled-back" only when the previous version was brought back.
        this.o.onInstall?.(this.progress.get(header.name)?.phase === "rolled-back" ? "rolled-back" : "failed");
        throw err;
      },
    );
    return this.track(counted.finally(release));
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
      this.o.onChange?.();
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
          throw new DomainError(
            `version ${version} of ${name} is not kept (kept: ${rec.versions.map((v) => v.id).join(", ")})`,
            "not-found",
          );
        }
        if (target.id === rec.current) {
          throw new DomainError(`version ${version} of ${name} is already current`, "failed-precondition");
        }
      } else {
        const n = versionNumber(rec.current);
        target = rec.versions.find((v) => versionNumber(v.id) < n);
        if (!target) throw new DomainError(`no version of ${name} older than ${rec.current} is kept`, "failed-precondition");
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
      this.o.onChange?.();
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

  private view(name: string): Promise<ServiceView> {
    return serviceView(name, this.records.get(name), this.progress.get(name), this.o.runtime);
  }

  private async saveRecord(rec: ServiceRecord): Promise<void> {
    await writeServiceRecord(this.pkgDir(rec.name), rec);
    this.records.set(rec.name, rec);
    this.o.onChange?.();
  }

  private specFor(name: string, rec: ServiceRecord): ServiceSpec {
    const v = currentVersion(rec);
    if (!v) throw new Error(`service.json of ${name} names current version ${rec.current}, which it does not keep`);
    return this.spec(name, v);
  }

  private spec(name: string, v: VersionRecord): ServiceSpec {
    const user = this.o.runtime.isolation.separateUsers ? this.users.get(name) : undefined;
    return { ...serviceSpec(this.pkgDir(name), name, v), ...(user && { user }) };
  }

  private pkgDir(name: string): string {
    return join(this.o.packagesDir, name);
  }

  private async discardPackageDir(name: string, afterRename?: () => void): Promise<void> {
    await discardPackageDir(this.o.packagesDir, name, afterRename);
    this.users.release(name);
  }

  private setPhase(name: string, phase: InstallPhaseName, detail: string): void {
    this.progress.set(name, { phase, detail, since: new Date() });
    this.o.onChange?.();
  }

  private crashPoint(phase: CrashPointName): void {
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

function notFound(name: string): DomainError {
  return new DomainError(`no package named ${name} is installed`, "not-found");
}
