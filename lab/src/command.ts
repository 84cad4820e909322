// Runs a host command to completion with a deadline, capturing its output. The lab drives
// debootstrap, ip, nsenter and systemd-nspawn through this one function so every failure says
// which command failed and what it printed.
import { spawn } from "node:child_process";

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  timeoutMs?: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Also copy the output to this process's stdout/stderr as it comes. */
  stream?: boolean;
}

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: CommandResult,
  ) {
    super(`${argv.join(" ")} exited ${result.code ?? "by signal"}: ${(result.stderr || result.stdout).trim().slice(-2000)}`);
  }
}

export function run(argv: readonly string[], opts: CommandOptions = {}): Promise<CommandResult> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error("empty command");
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"], env: opts.env ?? process.env });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (b: Buffer) => {
      stdout += b.toString();
      if (opts.stream) process.stdout.write(b);
    });
    child.stderr!.on("data", (b: Buffer) => {
      stderr += b.toString();
      if (opts.stream) process.stderr.write(b);
    });
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${opts.timeoutMs} ms)`;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 60_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (child.stdin) {
      child.stdin.on("error", () => undefined); // a command that exits without reading its input
      child.stdin.end(opts.input);
    }
  });
}

/** run(), failing on a non-zero exit. */
export async function check(argv: readonly string[], opts: CommandOptions = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) throw new CommandError(argv, r);
  return r.stdout;
}
