import { DomainError } from "../domain-error";
import { chmod, lstat, open } from "node:fs/promises";
import { join } from "node:path";

/**
 * The service's executable must be a regular file inside the version dir that is an ELF
 * binary or a `#!` script; it is then made executable. `relPath` is already normalised
 * (see entry-path.ts). Returns the absolute path.
 */
export async function prepareExecutable(versionDir: string, relPath: string, source: string): Promise<string> {
  const path = join(versionDir, relPath);
  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
    throw err;
  });
  const shown = JSON.stringify(relPath);
  if (!st) throw invalid(`package has no executable ${shown} (${source})`);
  if (st.isDirectory()) throw invalid(`executable ${shown} is a directory, not a file (${source})`);
  if (!st.isFile()) throw invalid(`executable ${shown} is not a regular file (${source})`);
  const head = Buffer.alloc(4);
  const fh = await open(path, "r");
  let n: number;
  try {
    ({ bytesRead: n } = await fh.read(head, 0, 4, 0));
  } finally {
    await fh.close();
  }
  const isElf = n === 4 && head[0] === 0x7f && head.subarray(1, 4).toString("latin1") === "ELF";
  const isScript = n >= 2 && head[0] === 0x23 && head[1] === 0x21; // "#!"
  if (!isElf && !isScript) {
    throw invalid(`executable ${shown} is neither an ELF binary nor a script starting with "#!" (${source})`);
  }
  await chmod(path, 0o755);
  return path;
}

function invalid(message: string): DomainError {
  return new DomainError(message, "invalid-argument");
}
