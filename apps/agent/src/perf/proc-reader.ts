// Reads small /proc files synchronously into one reused buffer. procfs files are generated in
// memory (no disk wait), so a sync read is ~10 µs and skips the thread-pool round trip and the
// per-call 64 KiB allocation of fs.readFile(Sync) on files that report size 0.
import fs from "node:fs";

let buf = Buffer.allocUnsafe(64 * 1024);

/** The file's text, or undefined when it does not exist (any more): a process that just exited. */
export function readProcText(path: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, "r");
  } catch (err) {
    if (isGone(err)) return undefined;
    throw err;
  }
  try {
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, length, buf.length - length, null);
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
    // ESRCH: the process exited between open and read.
    if (isGone(err)) return undefined;
    throw err;
  } finally {
    fs.closeSync(fd);
  }
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
