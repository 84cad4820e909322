import "server-only";
// Rollout packages, uploaded once and kept by sha256 under SYSWARD_CONSOLE_DATA_DIR/packages/,
// streamed from there to each machine. A file is written under a temporary name while its hash
// is computed, then renamed to <sha256>.zip: a stored file is always whole.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { getConfig } from "../config";
import { RolloutInputError } from "./rollout-errors";

const SHA256 = /^[0-9a-f]{64}$/;

export interface StoredPackage {
  sha256: string;
  sizeBytes: number;
}

function packageDir(): string {
  const dir = join(getConfig().dataDir, "packages");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export function isSha256(text: string): boolean {
  return SHA256.test(text);
}

/** Where a stored package's bytes are. */
export function packagePath(sha256: string): string {
  if (!isSha256(sha256)) throw new RolloutInputError("sha256 must be 64 lowercase hex digits");
  return join(packageDir(), `${sha256}.zip`);
}

export function storedPackage(sha256: string): StoredPackage | undefined {
  try {
    return { sha256, sizeBytes: statSync(packagePath(sha256)).size };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Stores `file` (a stream: never held in memory); `file` errors (a size cap) leave nothing behind. */
export async function storePackage(file: Readable): Promise<StoredPackage> {
  const dir = packageDir();
  const temp = join(dir, `.incoming-${randomBytes(8).toString("hex")}`);
  const hash = createHash("sha256");
  let sizeBytes = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(file, hashing, createWriteStream(temp, { mode: 0o600 }));
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  if (sizeBytes === 0) {
    rmSync(temp, { force: true });
    throw new RolloutInputError("the package is empty");
  }
  const sha256 = hash.digest("hex");
  renameSync(temp, join(dir, `${sha256}.zip`));
  return { sha256, sizeBytes };
}

export function openPackage(sha256: string): Readable {
  return createReadStream(packagePath(sha256), { highWaterMark: 256 * 1024 });
}
