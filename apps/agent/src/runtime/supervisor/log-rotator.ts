import { copyFile, rename, stat, truncate, unlink } from "node:fs/promises";
import { rotatedLogFile } from "./log-files";

/**
 * copytruncate rotation: the service holds its log open with O_APPEND, so we copy the file
 * to `.1` (shifting older generations up, keeping `keep` of them) and truncate it in place;
 * the writer's next append lands at the new end (0), no reopen needed. Lines written between
 * the copy and the truncate are lost: the price of never signalling the service.
 * Returns whether it rotated.
 */
export async function rotateIfLarger(path: string, maxBytes: number, keep: number): Promise<boolean> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return false; // no log yet
  }
  if (size <= maxBytes) return false;
  if (keep > 0) {
    await unlink(rotatedLogFile(path, keep)).catch(ignoreMissing);
    for (let n = keep - 1; n >= 1; n--) {
      await rename(rotatedLogFile(path, n), rotatedLogFile(path, n + 1)).catch(ignoreMissing);
    }
    await copyFile(path, rotatedLogFile(path, 1));
  }
  await truncate(path, 0);
  return true;
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== "ENOENT") throw err;
}
