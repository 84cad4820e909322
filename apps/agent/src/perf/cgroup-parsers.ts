// Pure parsers for a cgroup v2 directory's accounting files (Documentation/admin-guide/cgroup-v2.rst).
// Flat-keyed files ("key value" lines) and nested-keyed io.stat ("MAJ:MIN rbytes=… wbytes=…").

/** cpu.stat's usage_usec: CPU time of every task the cgroup ever had, µs. Undefined if missing. */
export function parseCpuUsageUsec(text: string): number | undefined {
  return flatKey(text, "usage_usec");
}

/** memory.stat's anonymous and mapped file memory: what resident memory (RSS) counts, each page once. */
export function parseResidentBytes(text: string): number | undefined {
  const anon = flatKey(text, "anon");
  const mapped = flatKey(text, "file_mapped");
  return anon === undefined || mapped === undefined ? undefined : anon + mapped;
}

/** io.stat summed over its devices: bytes read and written. Empty text (no I/O yet) is zero. */
export function parseIoBytes(text: string): { readBytes: number; writtenBytes: number } {
  let readBytes = 0;
  let writtenBytes = 0;
  for (const line of text.split("\n")) {
    for (const field of line.split(" ").slice(1)) {
      const eq = field.indexOf("=");
      const v = Number(field.slice(eq + 1));
      if (!Number.isFinite(v)) continue;
      if (field.startsWith("rbytes=")) readBytes += v;
      else if (field.startsWith("wbytes=")) writtenBytes += v;
    }
  }
  return { readBytes, writtenBytes };
}

/** A single-number file (memory.current, memory.peak); undefined unless it is one. */
export function parseCounter(text: string): number | undefined {
  const v = Number(text.trim());
  return text.trim() !== "" && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** How many processes cgroup.procs lists (threads are not in it). */
export function countProcs(text: string): number {
  let n = 0;
  for (const line of text.split("\n")) if (line !== "") n++;
  return n;
}

function flatKey(text: string, key: string): number | undefined {
  const prefix = `${key} `;
  let start: number;
  if (text.startsWith(prefix)) start = prefix.length;
  else {
    const at = text.indexOf(`\n${prefix}`);
    if (at < 0) return undefined;
    start = at + 1 + prefix.length;
  }
  const end = text.indexOf("\n", start);
  const v = Number(text.slice(start, end === -1 ? undefined : end));
  return Number.isFinite(v) ? v : undefined;
}
