import "server-only";
// The console's one SQLite file. Opened once per process: Next may load this module in several
// bundles (pages, route handlers, instrumentation), so the handle lives on globalThis.
import Database from "better-sqlite3";
import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { getConfig } from "../config";
import { MIGRATIONS } from "./schema";

export type Db = Database.Database;

const KEY = Symbol.for("sysward.console.db");
type Holder = { [KEY]?: Db };

function openDatabase(path: string): Db {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  // Password hashes and audit trail: readable by the console's user only (WAL files inherit it).
  chmodSync(path, 0o600);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`console database is schema version ${current}, newer than this console (${MIGRATIONS.length}); upgrade the console`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

/** The process-wide handle to console.sqlite in SYSWARD_CONSOLE_DATA_DIR. */
export function getDb(): Db {
  const holder = globalThis as Holder;
  return (holder[KEY] ??= openDatabase(getConfig().dbPath));
}
