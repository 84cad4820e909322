// The agent's private data dir: 0700, a 0600 random token created on first start,
// and a lock so that a second agent on the same dir refuses instead of stealing the socket.
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync, constants as fsc } from "node:fs";
import type { AgentConfig } from "../config";
import { isSameLiveProcess, readProcStat } from "../runtime/proc-stat";

export class AgentLockedError extends Error {}

export function prepareDataDir(config: AgentConfig): void {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  // An existing dir may have been created with a looser mode: the socket's privacy rests on it.
  chmodSync(config.dataDir, 0o700);
  for (const dir of [config.packagesDir, config.stagingDir, config.runtimeStateDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
}

/** Reads the token, creating it (random, 0600, exclusive) on first start. */
export function loadOrCreateToken(tokenPath: string): string {
  try {
    const fd = openSync(tokenPath, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
    try {
      writeSync(fd, randomBytes(32).toString("base64url") + "\n");
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const mode = statSync(tokenPath).mode & 0o777;
  if (mode !== 0o600) chmodSync(tokenPath, 0o600);
  const token = readFileSync(tokenPath, "utf8").trim();
  if (token.length < 32) throw new Error(`${tokenPath} holds no usable token; delete it to have a new one made`);
  return token;
}

/** Takes the data dir's lock or throws AgentLockedError naming the running agent. */
export function acquireLock(lockPath: string): () => void {
  // pid + start time, so a reused pid is never mistaken for a live agent.
  const me = `${process.pid} ${readProcStat(process.pid)?.startTime ?? "?"}\n`;
  try {
    const [pidText, start] = readFileSync(lockPath, "utf8").trim().split(" ");
    const pid = Number(pidText);
    if (pid && pid !== process.pid && start && isSameLiveProcess(pid, start)) {
      throw new AgentLockedError(
        `another agent (pid ${pid}) is already running on this data dir (${lockPath}); stop it first or set SYSWARD_DATA_DIR`,
      );
    }
  } catch (err) {
    if (err instanceof AgentLockedError) throw err;
    // Missing or unreadable lock: a fresh dir or a crashed agent's leftovers.
  }
  const tmp = `${lockPath}.${process.pid}`;
  writeFileSync(tmp, me, { mode: 0o600 });
  renameSync(tmp, lockPath);
  return () => {
    try {
      if (readFileSync(lockPath, "utf8") === me) unlinkSync(lockPath);
    } catch {
      /* already gone */
    }
  };
}
