import { DomainError } from "../domain-error";
import { createHash } from "node:crypto";
import { open, rm } from "node:fs/promises";

export interface StagedPackage {
  path: string;
  sha256: string;
  sizeBytes: number;
}

export interface StagingOptions {
  maxBytes: number;
  /** What the header declared (size_bytes): more or fewer bytes is InvalidArgument. */
  declaredBytes?: number;
  signal?: AbortSignal;
  /** Called after each chunk is on disk (progress, and the crash-test hook). */
  onChunk?: (bytesSoFar: number) => void;
}

/**
 * Streams an upload to `path` (created exclusively, 0600) while hashing it. Never holds more
 * than one chunk in memory; stops with ResourceExhausted once the cap is passed. On any
 * failure the partial file is removed.
 */
export async function writeStagingFile(
  chunks: AsyncIterable<Uint8Array>,
  path: string,
  opts: StagingOptions,
): Promise<StagedPackage> {
  const fh = await open(path, "wx", 0o600);
  const hash = createHash("sha256");
  let size = 0;
  try {
    for await (const chunk of chunks) {
      opts.signal?.throwIfAborted();
      if (chunk.byteLength === 0) continue;
      size += chunk.byteLength;
      if (size > opts.maxBytes) {
        throw new DomainError(
          `package is larger than the ${opts.maxBytes}-byte limit (SYSWARD_MAX_PACKAGE_BYTES)`,
          "resource-exhausted",
        );
      }
      if (opts.declaredBytes !== undefined && size > opts.declaredBytes) {
        throw new DomainError(`the package was declared as ${opts.declaredBytes} bytes (size_bytes) but more arrived`, "invalid-argument");
      }
      hash.update(chunk);
      // Awaiting each write is the backpressure: the next chunk is pulled only once this one is written.
      let written = 0;
      while (written < chunk.byteLength) {
        const { bytesWritten } = await fh.write(chunk, written, chunk.byteLength - written);
        written += bytesWritten;
      }
      opts.onChunk?.(size);
    }
    opts.signal?.throwIfAborted();
    if (opts.declaredBytes !== undefined && size !== opts.declaredBytes) {
      throw new DomainError(`the package was declared as ${opts.declaredBytes} bytes (size_bytes) but ${size} arrived`, "invalid-argument");
    }
    await fh.close();
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(path, { force: true });
    throw err;
  }
  return { path, sha256: hash.digest("hex"), sizeBytes: size };
}
