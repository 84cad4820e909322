// packages/NAME/journal.json: an intent record written (and fsync'd) before an install or a
// remove changes anything. If the agent dies mid-way, init() reads it and finishes the job:
// an install whose new version is already in service.json is kept; any other is undone.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { RuntimeHandle } from "../runtime/runtime";
import { fsyncDir, writeFileAtomic } from "./atomic-file";
import type { JournalPhase } from "./install-steps";

const JOURNAL_FILE = "journal.json";


export interface InstallJournal {
  op: "install";
  name: string;
  phase: JournalPhase;
  startedAt: string;
  stagingPath: string;
  /** Set from "verifying" on: the version id being installed. */
  newVersion?: string;
  /** Set once the new version was started, so recovery can find and stop it. */
  newHandle?: RuntimeHandle;
}

export interface RemoveJournal {
  op: "remove";
  name: string;
  startedAt: string;
}

export type Journal = InstallJournal | RemoveJournal;

export async function writeJournal(pkgDir: string, journal: Journal): Promise<void> {
  await writeFileAtomic(join(pkgDir, JOURNAL_FILE), JSON.stringify(journal) + "\n");
}

export async function readJournal(pkgDir: string): Promise<Journal | undefined> {
  let text: string;
  try {
    text = await readFile(join(pkgDir, JOURNAL_FILE), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const j = JSON.parse(text) as Journal;
    return j && (j.op === "install" || j.op === "remove") ? j : undefined;
  } catch {
    // A torn journal cannot happen (atomic write), but an unreadable one must not stop boot.
    return undefined;
  }
}

export async function clearJournal(pkgDir: string): Promise<void> {
  await rm(join(pkgDir, JOURNAL_FILE), { force: true });
  await fsyncDir(pkgDir).catch(() => {});
}
