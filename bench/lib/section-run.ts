// What the benchmarks that own a section of bench/RESULTS.md (fleet, rollout, alerts) share: the commit
// they measured, and how a run ends — the report on stdout, the section written after a full run
// that finished, the run dir removed unless it failed or --keep.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { writeSection } from "../../apps/agent/src/reliability/testing/results-section";
import { benchDir, repoRoot } from "./paths";

/** The short commit, and whether the tree had changes on top of it. */
export function commitLabel(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
    return execFileSync("git", ["status", "--porcelain"], { cwd: repoRoot, encoding: "utf8" }).trim() ? `${head} plus uncommitted changes` : head;
  } catch {
    return "?";
  }
}

export interface SectionRunEnd {
  section: string;
  report: string;
  failed: boolean;
  /** A full run with the default sizes: its figures go into RESULTS.md. */
  full: boolean;
  keep: boolean;
  runDir: string;
  logDir: string;
  log: (line: string) => void;
}

export function endSectionRun(e: SectionRunEnd): never {
  process.stdout.write(`\n${e.report}\n`);
  if (!e.failed && e.full) {
    writeSection(join(benchDir, "RESULTS.md"), e.section, e.report);
    e.log("wrote its section of bench/RESULTS.md");
  }
  if (e.failed || e.keep) e.log(`logs kept in ${e.logDir}`);
  else rmSync(e.runDir, { recursive: true, force: true });
  process.exit(e.failed ? 1 : 0);
}
