import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { chmod, chown, copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";

// Test support: systemd's own parsers, run without any manager. `systemd-analyze verify` checks
// unit files; `systemd --test --user` loads units and dumps them as systemd understood them
// (argv of ExecStart, Environment=, ...), so rendering can be checked round-trip.

const run = promisify(execFile);

function firstExecutable(paths: string[]): string | undefined {
  return paths.find((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export const systemdAnalyze = firstExecutable(["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]);
const systemdBinary = firstExecutable(["/usr/lib/systemd/systemd", "/lib/systemd/systemd"]);
const setpriv = firstExecutable(["/usr/bin/setpriv", "/bin/setpriv"]);
const isRoot = process.getuid?.() === 0;

/** Why the offline dump cannot run here, or undefined when it can. */
export const dumpUnavailable: string | undefined = !systemdBinary
  ? "no systemd binary in /usr/lib/systemd or /lib/systemd"
  : isRoot && !setpriv
    ? "systemd --test refuses root and setpriv is missing to drop privileges"
    : undefined;

export interface VerifyResult {
  code: number;
  stderr: string;
}

/**
 * `systemd-analyze verify` on unit files, as the system manager would load them or (`user`) a user
 * manager. Neither needs a running manager; --user only a runtime dir, made up if there is none.
 */
export async function verifyUnits(files: string[], opts: { user?: boolean } = {}): Promise<VerifyResult> {
  if (!systemdAnalyze) throw new Error("systemd-analyze is not installed");
  const runtimeDir = opts.user && !process.env.XDG_RUNTIME_DIR ? await mkdtemp(join(tmpdir(), "sysward-verify-")) : undefined;
  try {
    const { stderr } = await run(systemdAnalyze, ["verify", "--man=no", ...(opts.user ? ["--user"] : []), ...files], {
      timeout: 30_000,
      ...(runtimeDir ? { env: { ...process.env, XDG_RUNTIME_DIR: runtimeDir } } : {}),
    });
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stderr: e.stderr ?? String(err) };
  } finally {
    if (runtimeDir) await rm(runtimeDir, { recursive: true, force: true });
  }
}

export interface DumpedUnit {
  argv: string[];
  environment: string[];
  workingDirectory?: string;
  /** Sources of BindPaths= / BindReadOnlyPaths= (each mounted at its own path). */
  bindPaths: string[];
  bindReadOnlyPaths: string[];
  /** TemporaryFileSystem= entries, "PATH:OPTIONS". */
  temporaryFileSystems: string[];
}

/**
 * Loads unit files through a target that wants all of them, and returns what systemd parsed
 * for each (keyed by file name). Runs as "nobody" when we are root (systemd --test refuses
 * root), so the files are copied into a directory anyone can read first.
 */
export async function dumpUnits(files: string[]): Promise<Map<string, DumpedUnit>> {
  if (dumpUnavailable || !systemdBinary) throw new Error(dumpUnavailable);
  const home = await mkdtemp(join(tmpdir(), "sysward-dump-"));
  try {
    const unitDir = join(home, "units");
    const runtimeDir = join(home, "run");
    await mkdir(unitDir);
    await mkdir(runtimeDir);
    const units = files.map((f) => basename(f));
    for (const f of files) await copyFile(f, join(unitDir, basename(f)));
    const target = "sysward-dump.target";
    await writeFile(join(unitDir, target), `[Unit]\nDescription=dump\nWants=${units.join(" ")}\n`);
    let command = systemdBinary;
    let args = ["--test", "--user", `--unit=${target}`, "--no-pager"];
    if (isRoot && setpriv) {
      await chmod(home, 0o755);
      await chmod(unitDir, 0o755);
      for (const u of [...units, target]) await chmod(join(unitDir, u), 0o644);
      await chown(runtimeDir, 65534, 65534);
      args = ["--reuid=65534", "--regid=65534", "--clear-groups", command, ...args];
      command = setpriv;
    }
    const { stdout } = await run(command, args, {
      timeout: 30_000,
      maxBuffer: 64 * 1024 * 1024,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: runtimeDir, XDG_RUNTIME_DIR: runtimeDir, SYSTEMD_UNIT_PATH: `${unitDir}:` },
    });
    return parseDump(stdout, units);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

function parseDump(dump: string, units: string[]): Map<string, DumpedUnit> {
  const out = new Map<string, DumpedUnit>();
  const sections = dump.split(/^\s*-> Unit /m);
  for (const unit of units) {
    const section = sections.find((s) => s.startsWith(`${unit}:`));
    if (!section) throw new Error(`systemd did not load ${unit}`);
    const lines = section.split("\n");
    const execAt = lines.findIndex((l) => l.trim() === "-> ExecStart:");
    const commandLine = lines.slice(execAt + 1).find((l) => l.trim().startsWith("Command Line: "));
    if (execAt < 0 || !commandLine) throw new Error(`no ExecStart in the dump of ${unit}`);
    const field = (name: string) =>
      lines.filter((l) => l.startsWith(`\t\t${name}: `)).map((l) => l.slice(`\t\t${name}: `.length));
    out.set(unit, {
      argv: parseQuotedCommandLine(commandLine.trim().slice("Command Line: ".length)),
      environment: field("Environment"),
      workingDirectory: field("WorkingDirectory")[0],
      // "SOURCE:DESTINATION:rbind"; the renderer refuses colons in these paths.
      bindPaths: field("BindPaths").map((b) => b.split(":")[0]!),
      bindReadOnlyPaths: field("BindReadOnlyPaths").map((b) => b.split(":")[0]!),
      temporaryFileSystems: field("TemporaryFileSystem"),
    });
  }
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };

/** Inverse of systemd's quote_command_line(): words, "..." with C escapes and \-escaped \"`$. */
export function parseQuotedCommandLine(text: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === " ") {
      i++;
      continue;
    }
    let word = "";
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] !== "\\") {
          word += text[i++];
          continue;
        }
        const next = text[i + 1] ?? "";
        if (/[0-7]/.test(next)) {
          word += String.fromCharCode(parseInt(text.slice(i + 1, i + 4), 8));
          i += 4;
        } else {
          word += SIMPLE_ESCAPES[next] ?? next;
          i += 2;
        }
      }
      i++; // closing quote
    } else {
      while (i < text.length && text[i] !== " ") word += text[i++];
    }
    words.push(word);
  }
  return words;
}
