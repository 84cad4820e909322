import { execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { DomainError, type DomainErrorKind } from "../../domain-error";

// The only place that runs systemctl and journalctl. Either the *user* manager of the agent's uid
// (mode "user": XDG_RUNTIME_DIR is filled in when the agent was started without a login session,
// which is how systemctl --user finds the manager's socket), or the system manager, PID 1 (mode
// "system", a root agent).

/** Which systemd manager runs the units: the agent user's own, or PID 1. */
export type ManagerMode = "user" | "system";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** One journal entry as journalctl -o json prints it (fields we use). */
export interface JournalEntry {
  MESSAGE?: string | number[] | null;
  PRIORITY?: string;
  __REALTIME_TIMESTAMP?: string;
  _TRANSPORT?: string;
}

export function userRuntimeDir(): string {
  return process.env.XDG_RUNTIME_DIR || `/run/user/${process.getuid?.() ?? 0}`;
}

export interface JournalOptions {
  tail: number;
  follow: boolean;
  signal?: AbortSignal;
  /**
   * Who may have written the unit's lines found by SyslogIdentifier= alone (no cgroup): uids, so
   * another user (or another service's uid) cannot slip lines in with `systemd-cat -t`.
   */
  writers: readonly number[];
}

export class Systemctl {
  readonly mode: ManagerMode;
  private readonly env: NodeJS.ProcessEnv;
  private readonly scope: string[];

  constructor(private readonly opts: { timeoutMs?: number; mode?: ManagerMode } = {}) {
    this.mode = opts.mode ?? "user";
    this.scope = this.mode === "user" ? ["--user"] : [];
    this.env = this.mode === "user" ? { ...process.env, XDG_RUNTIME_DIR: userRuntimeDir() } : { ...process.env };
  }

  /** `systemctl [--user] ARGS`; never throws for a non-zero exit (the caller decides). */
  run(args: string[]): Promise<CommandResult> {
    return new Promise((resolve) => {
      execFile("systemctl", [...this.scope, ...args], { env: this.env, timeout: this.opts.timeoutMs ?? 30_000, encoding: "utf8" }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : -1) : 0;
        resolve({ code, stdout, stderr: stderr || (err && code === -1 ? err.message : "") });
      });
    });
  }

  /** Like run(), but a failure becomes a DomainError carrying systemctl's message. */
  async check(args: string[], code: DomainErrorKind = "internal"): Promise<string> {
    const r = await this.run(args);
    if (r.code !== 0) throw this.failure(args, r, code);
    return r.stdout;
  }

  /** The DomainError for a failed `systemctl ARGS`, with its message. */
  failure(args: string[], r: CommandResult, code: DomainErrorKind = "internal"): DomainError {
    return new DomainError(`systemctl ${[...this.scope, ...args].join(" ")} failed: ${r.stderr.trim() || `exit ${r.code}`}`, code);
  }

  /** `systemctl show UNIT -p ...` as a property map (timestamps as "@seconds"). */
  async show(unit: string, properties: readonly string[]): Promise<Record<string, string>> {
    const out = await this.check(["show", "--timestamp=unix", unit, ...properties.flatMap((p) => ["-p", p])]);
    const props: Record<string, string> = {};
    for (const line of out.split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) props[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return props;
  }

  /**
   * What the unit's processes wrote to stdout/stderr, from the journal: the last `tail` entries,
   * then (follow) new ones until `signal` aborts. Matches the unit's own output only, not the
   * manager's messages about it.
   */
  async *journal(unit: string, opts: JournalOptions): AsyncGenerator<JournalEntry> {
    if (opts.signal?.aborted) return;
    const args = ["--no-pager", "-o", "json", "-n", String(opts.tail), ...(opts.follow ? ["-f"] : [])];
    // The unit's cgroup, or (OR: "+") its SyslogIdentifier= from one of the writers: journald misses
    // the cgroup of a process that exited before it read the line (seen in the lab: 4 of 30 one-line
    // crashes). A system unit's cgroup is matched by _SYSTEMD_UNIT, a user unit's by _SYSTEMD_USER_UNIT.
    const identifier = `SYSLOG_IDENTIFIER=${unit.replace(/\.service$/, "")}`;
    if (this.mode === "user") args.push(`_SYSTEMD_USER_UNIT=${unit}`, "_TRANSPORT=stdout", `_UID=${process.getuid?.() ?? 0}`);
    else args.push(`_SYSTEMD_UNIT=${unit}`, "_TRANSPORT=stdout");
    for (const uid of new Set(opts.writers)) args.push("+", identifier, "_TRANSPORT=stdout", `_UID=${uid}`);
    const child = spawn("journalctl", args, { env: this.env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4096);
    });
    const exited = new Promise<number | null>((resolve) => {
      child.once("close", (code) => resolve(code));
      child.once("error", () => resolve(-1));
    });
    const stop = () => child.kill("SIGTERM");
    opts.signal?.addEventListener("abort", stop, { once: true });
    try {
      for await (const line of createInterface({ input: child.stdout })) {
        if (line.trim() === "") continue;
        yield JSON.parse(line) as JournalEntry;
      }
      const code = await exited;
      if (code !== 0 && !opts.signal?.aborted) {
        throw new DomainError(`journalctl failed: ${stderr.trim() || `exit ${code}`}`, "unavailable");
      }
    } finally {
      opts.signal?.removeEventListener("abort", stop);
      if (child.exitCode === null) child.kill("SIGTERM");
    }
  }
}
