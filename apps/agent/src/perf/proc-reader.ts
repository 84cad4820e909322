// Reads small /proc files synchronously into one reused buffer. procfs files are generated in
// memory (no disk wait), so a sync read is ~10 µs and skips the thread-pool round trip and the
// per-call 64 KiB allocation of fs.readFile(Sync) on files that report size 0.
//
// The collector reads the same ~30 files every second. Those it reads with keepOpen stay open:
// a pread at offset 0 makes procfs generate the file afresh, so each later read is one syscall
// instead of open + read + close (and Node's path checks). An open /proc/PID file stays bound to
// that process: once it exits the read fails with ESRCH, never with another process's figures.
import fs from "node:fs";

let buf = Buffer.allocUnsafe(64 * 1024);

/** Bounds the descriptors held (a service with thousands of processes reads the rest the plain way). */
const MAX_OPEN = 256;
/** path → fd, and whether it was read since the last closeUnreadProcFiles(). */
const open = new Map<string, { fd: number; read: boolean }>();

/**
 * The file's text, or undefined when it does not exist (any more): a process that just exited.
 * keepOpen: keep the descriptor for the next read of the same path (only under /proc, whose
 * files are re-generated on every read; elsewhere it is ignored).
 */
export function readProcText(path: string, keepOpen = false): string | undefined {
  const kept = open.get(path);
  if (kept) {
    kept.read = true;
    const text = readAll(kept.fd);
    if (text === undefined) forget(path, kept.fd);
    return text;
  }
  let fd: number;
  try {
    fd = fs.openSync(path, "r");
  } catch (err) {
    if (isGone(err)) return undefined;
    throw err;
  }
  const keep = keepOpen && open.size < MAX_OPEN && path.startsWith("/proc/");
  let text: string | undefined;
  try {
    text = readAll(fd);
  } finally {
    if (keep && text !== undefined) open.set(path, { fd, read: true });
    else fs.closeSync(fd);
  }
  return text;
}

/** Closes the kept files not read since the last call (processes that left a service, removed services). */
export function closeUnreadProcFiles(): void {
  for (const [path, f] of open) {
    if (f.read) f.read = false;
    else forget(path, f.fd);
  }
}

/** Kept descriptors now (for tests and /debug/vars). */
export function openProcFiles(): number {
  return open.size;
}

function readAll(fd: number): string | undefined {
  try {
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, length, buf.length - length, length);
      if (n === 0) break;
      length += n;
      if (length === buf.length) {
        // /proc/stat on a machine with very many cores: grow once, keep the larger buffer.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
    }
    return buf.toString("latin1", 0, length);
  } catch (err) {
    // ESRCH: the process exited between open and read (or since the file was kept open).
    if (isGone(err)) return undefined;
    throw err;
  }
}

function forget(path: string, fd: number): void {
  open.delete(path);
  fs.closeSync(fd);
}

/** Directory entries, or [] when the directory is gone (a process that exited). */
export function readProcDir(path: string): string[] {
  try {
    return fs.readdirSync(path);
  } catch (err) {
    if (isGone(err)) return [];
    throw err;
  }
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  // ENODEV: a cgroup removed while its file was open.
  return code === "ENOENT" || code === "ESRCH" || code === "ENOTDIR" || code === "ENODEV";
}
