import "server-only";
// better-sqlite3 compiles a statement's SQL on every prepare(). On the per-request paths (the
// session or token behind every request, the agent a proxied request goes to) that was ~11 % of
// the console's CPU at 50 connections on /agents/<id>/debug/vars (bench, CPU profile): those
// queries keep one compiled statement per handle instead. Only for get()/run() — an iterate()
// holds its statement busy until it is drained.
import type Database from "better-sqlite3";
import type { Db } from "./database";

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

export function prepared(db: Db, sql: string): Database.Statement {
  let byText = statements.get(db);
  if (!byText) statements.set(db, (byText = new Map()));
  let statement = byText.get(sql);
  if (!statement) byText.set(sql, (statement = db.prepare(sql)));
  return statement;
}
