// $SYSWARD_DATA_DIR/listen.json, written by `enroll`: where the TCP listener binds and which TLS
// files it uses (paths relative to the data dir), so a plain restart opens it without anyone
// setting SYSWARD_LISTEN / SYSWARD_TLS_*. Those variables, when set, still win (config.ts).
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const LISTEN_FILE = "listen.json";

export interface ListenFile {
  /** host:port to bind. */
  listen: string;
  cert: string;
  key: string;
  clientCa: string;
  crl?: string;
  /** For people reading the file: who enrolled this agent, and as what. */
  consoleUrl?: string;
  agentId?: string;
  enrolledAt?: string;
}

export interface EnrolledListen {
  listen: string;
  certPath: string;
  keyPath: string;
  clientCaPath: string;
  crlPath?: string;
  /** The console that enrolled this agent: where it fetches CRLs and renews its certificate. */
  consoleUrl?: string;
  /** The file as read, for rewriting it with new paths. */
  file: ListenFile;
}

/** The enrolled listener of this data dir, or undefined when the agent was never enrolled. Throws on a broken file. */
export function readListenFile(dataDir: string): EnrolledListen | undefined {
  const path = join(dataDir, LISTEN_FILE);
  if (!existsSync(path)) return undefined;
  let f: Partial<ListenFile>;
  try {
    f = JSON.parse(readFileSync(path, "utf8")) as Partial<ListenFile>;
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}); enrol again or delete it`);
  }
  const str = (v: unknown): v is string => typeof v === "string" && v !== "";
  if (!str(f.listen) || !str(f.cert) || !str(f.key) || !str(f.clientCa) || (f.crl !== undefined && !str(f.crl))) {
    throw new Error(`${path} needs "listen", "cert", "key" and "clientCa" (and optionally "crl"); enrol again or delete it`);
  }
  const at = (p: string) => resolve(dataDir, p);
  return {
    listen: f.listen,
    certPath: at(f.cert),
    keyPath: at(f.key),
    clientCaPath: at(f.clientCa),
    crlPath: f.crl ? at(f.crl) : undefined,
    consoleUrl: str(f.consoleUrl) ? f.consoleUrl : undefined,
    file: f as ListenFile,
  };
}

/** Writes a file whole (temp file + rename): readers see the old content or the new, never half. */
export function writeFileWhole(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/** listen.json is the commit point of an enrollment or a renewal: written last, whole. */
export function writeListenFile(dataDir: string, f: ListenFile): string {
  const path = join(dataDir, LISTEN_FILE);
  writeFileWhole(path, JSON.stringify(f, null, 2) + "\n", 0o600);
  return path;
}
