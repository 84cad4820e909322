import "server-only";
// A WHERE clause from optional filters: each [sql, value] pair counts only when its value is set
// (not undefined, "" or 0), so a list query says its filters once.

export function whereClause(filters: ReadonlyArray<readonly [sql: string, value: string | number | undefined]>): { sql: string; args: Array<string | number> } {
  const used = filters.filter((f): f is readonly [string, string | number] => f[1] !== undefined && f[1] !== "" && f[1] !== 0);
  return { sql: used.length ? `WHERE ${used.map((f) => f[0]).join(" AND ")}` : "", args: used.map((f) => f[1]) };
}
