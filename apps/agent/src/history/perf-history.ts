// Perf history in SQLite (better-sqlite3, WAL): 1 s points for the last hour and 1 min
// aggregates for 7 days, both stored as sums (see bucket-accumulator.ts) so that rows merge by
// addition: a minute written in several flushes, or split by an agent restart, adds up.
// Per-service sums are packed into each row (service-sums-codec.ts says why).
//
// Writes are batched: samples fold into in-memory buckets and are written every flushEveryMs
// (default 10 s) in one transaction — a few pages per flush instead of per second — and on
// query (so answers include the newest samples) and close. A crash loses at most that window.
// Pruning keeps each tier to its retention (by default ~3 700 (1 s) + ~10 100 (1 min) + ~26 000
// (5 min, 90 days) rows), whatever the uptime; SQLite reuses freed pages, so the file stops
// growing once the tiers are full. A size cap (maxBytes) holds on top: the oldest coarse rows go
// first when the file and its WAL would pass it.
import Database from "better-sqlite3";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { deviceTotals } from "@sysward/contract";
import { DomainError } from "../domain-error";
import {
  PerfHistoryResponseSchema,
  ServiceAccounting,
  type PerfHistoryResponse,
  type PerfPoint,
  type PerfSample,
  type ServicePerf,
} from "@sysward/proto";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { BucketAccumulator, type BucketSums, type PointValues, type ServiceSums } from "./bucket-accumulator";
import { DEFAULT_RETENTION, planHistoryQuery, RAW_QUERY_SLACK_SECONDS, type HistoryRetention } from "./history-range";
import { addServiceSums, encodeServiceSums } from "./service-sums-codec";
import { deviceSeries, isDeviceSeries, pointDevices } from "./device-series";

export interface PerfHistoryOptions {
  /** How often buffered samples are written; default 10 000 ms. 0: on every record. */
  flushEveryMs?: number;
  /** Wall clock in ms (tests move it); default Date.now. */
  now?: () => number;
  /** Problems history survives (a corrupt file set aside). */
  onWarning?: (message: string) => void;
  /** How long each resolution is kept; default 1 h of 1 s, 7 d of 1 min, 90 d of 5 min. */
  retention?: HistoryRetention;
  /**
   * SYSWARD_HISTORY_MAX_BYTES: the file and its WAL together never grow past this; the oldest
   * coarse rows go first, then the oldest minute rows, then the oldest seconds. Default 256 MiB.
   */
  maxBytes?: number;
}

export const DEFAULT_HISTORY_MAX_BYTES = 256 * 1024 * 1024;
/** Below this a cap cannot hold even an hour of seconds with its WAL. */
export const MIN_HISTORY_MAX_BYTES = 1024 * 1024;
/**
 * Share of the cap the WAL may take (checkpointed at and truncated to it), and the share kept free
 * for the pages one flush adds before the next trim: live rows stay under the rest.
 */
const WAL_SHARE = 0.1;
const HEADROOM_SHARE = 0.15;
const SHM_BYTES = 32 * 1024;

/** Cheap (no I/O): fit for /debug/vars at any request rate. */
export interface PerfHistoryStats {
  /** Service names remembered (those seen in the last 7 days). */
  services: number;
  /** Seconds buffered in memory, not yet written. */
  pendingSeconds: number;
  flushes: number;
  /** Duration of the last flush that wrote something, ms. */
  lastFlushMs: number;
  /** Flushes that failed (their buffered samples were dropped); each threw to its caller. */
  flushErrors: number;
  /** Rows deleted to keep the file under its cap (oldest first), since the agent started. */
  rowsTrimmedForSize: number;
}

const SCHEMA_VERSION = 1;
/** Rows a little older than the tier's retention stay (more than the planner's slack), so "the last hour" is whole. */
const PRUNE_MARGIN_SECONDS = 2 * RAW_QUERY_SLACK_SECONDS;
/** Rows further ahead than this are from a clock that was wrong and has since been set back. */
const FUTURE_ROWS_SECONDS = 86400;
const PRUNE_EVERY_MS = 60_000;

// "5m" is a rollup of "1m" over the same 7 days: sums add up, so for any step that is a multiple
// of 5 minutes it gives the same points from a fifth of the rows (a 7-day chart reads 2 016 rows,
// not 10 080). Every query then reads at most ~3 600 rows.
export type HistoryTier = "1s" | "1m" | "5m";
const TIERS: readonly HistoryTier[] = ["1s", "1m", "5m"];
const TABLES = { "1s": "points_1s", "1m": "points_1m", "5m": "points_5m" } as const;
const TIER_SECONDS = { "1s": 1, "1m": 60, "5m": 300 } as const;
/** The tiers a size trim deletes from, coarsest (and so oldest) first. */
const TRIM_ORDER: readonly HistoryTier[] = ["5m", "1m", "1s"];

const SCHEMA =
  Object.values(TABLES)
    .map(
      (table) => `
    CREATE TABLE IF NOT EXISTS ${table} (
      t INTEGER PRIMARY KEY,          -- bucket start, unix seconds
      n INTEGER NOT NULL,             -- samples in the bucket
      cpu_sum REAL NOT NULL, cpu_max REAL NOT NULL,
      mem_pct_sum REAL NOT NULL, mem_pct_max REAL NOT NULL,
      mem_used_sum REAL NOT NULL, load1_sum REAL NOT NULL,
      services BLOB                   -- per-service sums, service-sums-codec.ts
    );`,
    )
    .join("\n") +
  `
    CREATE TABLE IF NOT EXISTS services (
      id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: old rows must not point to a new name
      name TEXT NOT NULL UNIQUE,
      last_seen INTEGER NOT NULL             -- unix seconds; names unseen for 7 days are pruned
    );`;

type Row = [
  t: number,
  n: number,
  cpuSum: number,
  cpuMax: number,
  memPctSum: number,
  memPctMax: number,
  memUsedSum: number,
  loadOneSum: number,
  services: Uint8Array | null,
];

export class PerfHistory {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #flushEveryMs: number;
  readonly #pending = {
    "1s": new BucketAccumulator(TIER_SECONDS["1s"]),
    "1m": new BucketAccumulator(TIER_SECONDS["1m"]),
    "5m": new BucketAccumulator(TIER_SECONDS["5m"]),
  };
  readonly #serviceIds = new Map<string, number>();
  readonly #serviceNames = new Map<number, string>();
  readonly #stmts: Statements;
  #lastFlush = performance.now();
  #lastPrune = -Infinity;
  #flushes = 0;
  #flushErrors = 0;
  #lastFlushMs = 0;
  #closed = false;
  readonly #retention: HistoryRetention;
  readonly #maxBytes: number;
  #rowsTrimmed = 0;

  /** Opens (creating if needed) the history file; a file SQLite cannot read is set aside and replaced. */
  static open(file: string, opts: PerfHistoryOptions = {}): PerfHistory {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const maxBytes = opts.maxBytes ?? DEFAULT_HISTORY_MAX_BYTES;
    if (maxBytes < MIN_HISTORY_MAX_BYTES) throw new Error(`perf history cap ${maxBytes} bytes is below the least it can keep to (${MIN_HISTORY_MAX_BYTES})`);
    try {
      return new PerfHistory(file, openDatabase(file, maxBytes), opts);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== "SQLITE_NOTADB" && code !== "SQLITE_CORRUPT") throw err;
      const aside = `${file}.corrupt-${Date.now()}`;
      for (const suffix of ["", "-wal", "-shm"]) {
        if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, aside + suffix);
      }
      opts.onWarning?.(`perf history ${file} was unreadable (${code}); moved it to ${aside} and started afresh`);
      return new PerfHistory(file, openDatabase(file, maxBytes), opts);
    }
  }

  private constructor(file: string, db: Database.Database, opts: PerfHistoryOptions) {
    this.file = file;
    this.#db = db;
    this.#now = opts.now ?? Date.now;
    this.#flushEveryMs = opts.flushEveryMs ?? 10_000;
    this.#stmts = prepareStatements(db);
    this.#retention = opts.retention ?? DEFAULT_RETENTION;
    this.#maxBytes = opts.maxBytes ?? DEFAULT_HISTORY_MAX_BYTES;
    this.#loadServiceNames();
    // A cap lowered since the file was written: trim now, and give the space back to the disk.
    if (this.#trimToCap() > 0) {
      this.#db.exec("VACUUM");
      this.#db.pragma("wal_checkpoint(TRUNCATE)");
    }
  }

  /** Buffers one sample; writes the buffer when flushEveryMs has passed since the last write. */
  record(sample: PerfSample): void {
    this.#assertOpen();
    const t = Math.floor(timestampMs(sample.time ?? timestampFromMs(this.#now())) / 1000);
    const v = pointValues(sample);
    for (const tier of TIERS) this.#pending[tier].add(t, v);
    if (performance.now() - this.#lastFlush >= this.#flushEveryMs) this.flush();
  }

  /** Writes everything buffered (one transaction), then prunes if it is time to. */
  flush(): void {
    this.#assertOpen();
    this.#lastFlush = performance.now();
    // Drained before writing: if the write fails (disk full) the buffer is dropped, not kept
    // growing — history may have a gap; the agent's memory may not grow.
    const nowMs = this.#now();
    const prune = nowMs - this.#lastPrune >= PRUNE_EVERY_MS;
    if (!prune && TIERS.every((tier) => this.#pending[tier].size === 0)) return;
    const batches = TIERS.map((tier) => [tier, this.#pending[tier].drain()] as const);
    const t0 = performance.now();
    let trimmed = 0;
    try {
      this.#db.transaction(() => {
        const seen = new Map<string, number>();
        for (const [tier, buckets] of batches) {
          for (const [t, sums] of buckets) {
            this.#merge(tier, t, sums);
            for (const name of sums.services.keys()) seen.set(name, Math.max(seen.get(name) ?? 0, t));
          }
        }
        for (const [name, t] of seen) this.#stmts.touchService.run(t, this.#serviceIds.get(name));
        if (prune) this.#prune(nowMs);
        trimmed = this.#trimToCap();
      })();
      // Deleting rows rewrites many pages into the WAL: give them back to the disk at once.
      if (trimmed > 0) this.#db.pragma("wal_checkpoint(TRUNCATE)");
    } catch (err) {
      this.#flushErrors++;
      // Names inserted by the rolled-back transaction must not keep their ids in memory.
      this.#loadServiceNames();
      throw err;
    }
    this.#lastFlushMs = performance.now() - t0;
    if (prune) this.#lastPrune = nowMs;
    this.#flushes++;
  }

  /**
   * Points over [start, end] (end undefined: now), averages and maxima per step; the stored
   * resolution and the step come from the range unless stepSeconds (> 0) is given.
   * Bad ranges throw DomainError InvalidArgument.
   */
  query(start: Date, end?: Date, stepSeconds = 0): PerfHistoryResponse {
    if (this.#closed) throw new DomainError("perf history is closed: the agent is shutting down", "unavailable");
    const plan = planHistoryQuery({ startMs: start.getTime(), endMs: end?.getTime(), stepSeconds }, this.#now(), this.#retention);
    this.flush();
    const step = plan.stepSeconds;
    const tier: HistoryTier = plan.resolution !== "1s" && step % TIER_SECONDS["5m"] === 0 ? "5m" : plan.resolution;
    // The row holding the start is read whole: it lies inside the first step, which a point covers.
    const from = plan.fromSeconds - (plan.fromSeconds % TIER_SECONDS[tier]);
    const rows = this.#stmts[tier].select.all(from, plan.toSeconds) as Row[];
    const points: PerfPoint[] = [];
    // Rows come in t order, so each step's rows are contiguous: one pass, no sort.
    let i = 0;
    while (i < rows.length) {
      const b = rows[i]![0] - (rows[i]![0] % step);
      const acc: BucketSums = { n: 0, cpuSum: 0, cpuMax: -Infinity, memPctSum: 0, memPctMax: -Infinity, memUsedSum: 0, loadOneSum: 0, services: new Map() };
      const byId = new Map<number, ServiceSums>();
      for (; i < rows.length && rows[i]![0] - (rows[i]![0] % step) === b; i++) {
        const [, n, cpuSum, cpuMax, memPctSum, memPctMax, memUsedSum, loadOneSum, services] = rows[i]!;
        acc.n += n;
        acc.cpuSum += cpuSum;
        acc.cpuMax = Math.max(acc.cpuMax, cpuMax);
        acc.memPctSum += memPctSum;
        acc.memPctMax = Math.max(acc.memPctMax, memPctMax);
        acc.memUsedSum += memUsedSum;
        acc.loadOneSum += loadOneSum;
        addServiceSums(byId, services);
      }
      if (acc.n === 0) continue;
      // Plain message literals rather than create(): protobuf-es v2 messages are plain objects,
      // the type checks every field is set, and create() costs ~1 µs per message — a third of
      // a 7-day answer with 50 services (34 000 messages).
      const services: ServicePerf[] = [];
      const devices = new Map<string, [number, number]>();
      for (const [id, s] of byId) {
        const name = this.#serviceNames.get(id);
        if (name === undefined || s.n === 0) continue;
        if (isDeviceSeries(name)) {
          devices.set(name, [s.cpuSum / s.n, s.rssSum / s.n]);
          continue;
        }
        services.push({
          $typeName: "sysward.agent.v1.ServicePerf",
          name,
          cpuPercent: s.cpuSum / s.n,
          rssBytes: BigInt(Math.round(s.rssSum / s.n)),
          processCount: 0, // not kept in history
          accounting: ServiceAccounting.UNSPECIFIED, // nor is the source, which may change over a bucket
        });
      }
      services.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
      points.push({
        $typeName: "sysward.agent.v1.PerfPoint",
        time: timestampFromMs(b * 1000),
        cpuBusyPercent: acc.cpuSum / acc.n,
        cpuBusyMaxPercent: acc.cpuMax,
        memoryUsedPercent: acc.memPctSum / acc.n,
        memoryUsedMaxPercent: acc.memPctMax,
        memoryUsedBytes: BigInt(Math.round(acc.memUsedSum / acc.n)),
        loadOne: acc.loadOneSum / acc.n,
        services,
        ...pointDevices(devices),
      });
    }
    return create(PerfHistoryResponseSchema, { stepSeconds: step, resolution: plan.resolution, points });
  }

  stats(): PerfHistoryStats {
    return {
      services: [...this.#serviceIds.keys()].filter((n) => !isDeviceSeries(n)).length,
      pendingSeconds: this.#pending["1s"].size,
      flushes: this.#flushes,
      lastFlushMs: this.#lastFlushMs,
      flushErrors: this.#flushErrors,
      rowsTrimmedForSize: this.#rowsTrimmed,
    };
  }

  /** Rows per stored tier (runs COUNT queries: for tests and diagnostics, not /debug/vars). */
  rowCounts(): Record<HistoryTier, number> {
    this.#assertOpen();
    return {
      "1s": this.#stmts["1s"].count.get() as number,
      "1m": this.#stmts["1m"].count.get() as number,
      "5m": this.#stmts["5m"].count.get() as number,
    };
  }

  /** Writes what is buffered and closes the file (checkpointing the WAL). Idempotent. */
  close(): void {
    if (this.#closed) return;
    try {
      this.flush();
    } finally {
      this.#closed = true;
      this.#db.close();
    }
  }

  /** Adds one bucket's sums to its row (creating it). */
  #merge(tier: HistoryTier, t: number, b: BucketSums): void {
    const stmts = this.#stmts[tier];
    const byId = new Map<number, ServiceSums>();
    for (const [name, s] of b.services) byId.set(this.#serviceId(name, t), { ...s });
    const old = stmts.get.get(t) as Row | undefined;
    if (old) addServiceSums(byId, old[8]);
    stmts.put.run(
      t,
      b.n + (old?.[1] ?? 0),
      b.cpuSum + (old?.[2] ?? 0),
      Math.max(b.cpuMax, old?.[3] ?? -Infinity),
      b.memPctSum + (old?.[4] ?? 0),
      Math.max(b.memPctMax, old?.[5] ?? -Infinity),
      b.memUsedSum + (old?.[6] ?? 0),
      b.loadOneSum + (old?.[7] ?? 0),
      encodeServiceSums(byId),
    );
  }

  #serviceId(name: string, t: number): number {
    let id = this.#serviceIds.get(name);
    if (id === undefined) {
      id = Number(this.#stmts.insertService.run(name, t).lastInsertRowid);
      this.#serviceIds.set(name, id);
      this.#serviceNames.set(id, name);
    }
    return id;
  }

  #prune(nowMs: number): void {
    const now = Math.floor(nowMs / 1000);
    const future = now + FUTURE_ROWS_SECONDS;
    const kept = { "1s": this.#retention.rawSeconds, "1m": this.#retention.minuteSeconds, "5m": this.#retention.coarseSeconds };
    for (const tier of TIERS) {
      this.#stmts[tier].prune.run(now - kept[tier] - PRUNE_MARGIN_SECONDS, future);
    }
    // A name unseen for longer than any row is kept is in no row any more.
    const oldestName = now - this.#retention.coarseSeconds - 2 * PRUNE_MARGIN_SECONDS;
    if (this.#stmts.pruneServices.run(oldestName).changes > 0) this.#loadServiceNames();
  }

  /**
   * Keeps live rows under the cap minus the WAL's share and some headroom by moving a horizon
   * forward: every tier loses its rows older than it. Finer tiers are kept for less time, so the
   * oldest rows are the coarse ones and go first; once the horizon reaches the minutes, they go
   * with the 5 min rows of the same time, so every resolution starts at the same point and no
   * chart shows a hole one tier has and another not. SQLite reuses the freed pages, so the file
   * stops growing; it never shrinks on its own (VACUUM does, at open). Returns the rows deleted.
   */
  #trimToCap(): number {
    const pageSize = this.#db.pragma("page_size", { simple: true }) as number;
    const live = () => ((this.#db.pragma("page_count", { simple: true }) as number) - (this.#db.pragma("freelist_count", { simple: true }) as number)) * pageSize;
    // The -shm index file (32 KiB) counts too.
    const budget = this.#maxBytes * (1 - WAL_SHARE - HEADROOM_SHARE) - SHM_BYTES;
    let trimmed = 0;
    while (live() > budget) {
      const oldest = Math.min(...TRIM_ORDER.map((t) => (this.#stmts[t].oldest.get() as number | null) ?? Infinity));
      if (!Number.isFinite(oldest)) break;
      const newest = Math.floor(this.#now() / 1000);
      const horizon = oldest + Math.max(TIER_SECONDS["5m"], Math.ceil((newest - oldest) / 50));
      for (const tier of TRIM_ORDER) trimmed += this.#stmts[tier].trimBefore.run(horizon).changes;
    }
    this.#rowsTrimmed += trimmed;
    return trimmed;
  }

  #loadServiceNames(): void {
    this.#serviceIds.clear();
    this.#serviceNames.clear();
    for (const { id, name } of this.#stmts.allServices.all() as { id: number; name: string }[]) {
      this.#serviceIds.set(name, id);
      this.#serviceNames.set(id, name);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error("perf history is closed");
  }
}

function prepareStatements(db: Database.Database) {
  const tier = (table: string) => ({
    get: db.prepare(`SELECT * FROM ${table} WHERE t = ?`).raw(),
    put: db.prepare(`INSERT OR REPLACE INTO ${table} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    select: db.prepare(`SELECT * FROM ${table} WHERE t BETWEEN ? AND ? ORDER BY t`).raw(),
    prune: db.prepare(`DELETE FROM ${table} WHERE t < ? OR t > ?`),
    count: db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck(),
    oldest: db.prepare(`SELECT min(t) FROM ${table}`).pluck(),
    trimBefore: db.prepare(`DELETE FROM ${table} WHERE t < ?`),
  });
  return {
    "1s": tier(TABLES["1s"]),
    "1m": tier(TABLES["1m"]),
    "5m": tier(TABLES["5m"]),
    allServices: db.prepare(`SELECT id, name FROM services`),
    insertService: db.prepare(`INSERT INTO services (name, last_seen) VALUES (?, ?)`),
    touchService: db.prepare(`UPDATE services SET last_seen = max(last_seen, ?) WHERE id = ?`),
    pruneServices: db.prepare(`DELETE FROM services WHERE last_seen < ?`),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

function openDatabase(file: string, maxBytes: number): Database.Database {
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    // WAL + NORMAL: a power cut may lose the last transactions, never corrupts; no fsync per flush.
    db.pragma("synchronous = NORMAL");
    // The WAL's share of the cap: checkpointed when it reaches it, truncated back to it after.
    const walBytes = Math.min(4 * 1024 * 1024, Math.floor(maxBytes * WAL_SHARE));
    const pageSize = db.pragma("page_size", { simple: true }) as number;
    db.pragma(`journal_size_limit = ${walBytes}`);
    db.pragma(`wal_autocheckpoint = ${Math.max(16, Math.floor(walBytes / pageSize / 2))}`);
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version !== SCHEMA_VERSION && version !== 0) {
      // Written by another agent version: history is a cache of past samples, start it afresh.
      db.exec(Object.values(TABLES).map((t) => `DROP TABLE IF EXISTS ${t};`).join("") + "DROP TABLE IF EXISTS services;");
    }
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function pointValues(s: PerfSample): PointValues {
  return {
    cpuBusyPercent: s.cpu?.busyPercent ?? 0,
    memoryUsedPercent: s.memory?.usedPercent ?? 0,
    memoryUsedBytes: Number(s.memory?.usedBytes ?? 0n),
    loadOne: s.load?.one ?? 0,
    services: [...s.services.map((x) => ({ name: x.name, cpuPercent: x.cpuPercent, rssBytes: Number(x.rssBytes) })), ...deviceSeries(deviceTotals(s))],
  };
}
