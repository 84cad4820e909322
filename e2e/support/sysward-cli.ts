// The `sysward` CLI as a person or a script runs it: a real child process (apps/cli/bin/sysward.mjs,
// the bundle when built) with a config dir of its own and no inherited credentials.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { expect } from "@playwright/test";
import { repo } from "./agent-process";

const bin = join(repo, "apps/cli/bin/sysward.mjs");

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type RunningCli = ChildProcess & { output: Run; done: Promise<Run> };

/** The bundle is what ships; esbuild makes it in well under a second. */
export function buildCli(): void {
  const build = spawnSync(process.execPath, [join(repo, "apps/cli/build.mjs")], { encoding: "utf8" });
  expect(build.status, build.stderr).toBe(0);
}

export class SyswardCli {
  /** `home`: the fresh shell's XDG_CONFIG_HOME is `home/config`. */
  constructor(private readonly home: string) {}

  /** The environment of a fresh shell for the CLI: its own config dir, no inherited credentials. */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: join(this.home, "config"), ...extra };
    if (!("SYSWARD_URL" in extra)) delete env.SYSWARD_URL;
    if (!("SYSWARD_TOKEN" in extra)) delete env.SYSWARD_TOKEN;
    return env;
  }

  start(args: string[], env?: NodeJS.ProcessEnv, input?: string): RunningCli {
    const child = spawn(process.execPath, [bin, ...args], { env: this.env(env), stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    if (input !== undefined) child.stdin!.end(input);
    const output: Run = { code: null, stdout: "", stderr: "" };
    child.stdout!.on("data", (c: Buffer) => (output.stdout += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (output.stderr += c.toString()));
    const done = new Promise<Run>((resolveRun, reject) => {
      child.once("error", reject);
      child.once("close", (code, signal) => resolveRun({ ...output, code: code ?? (signal ? -1 : null) }));
    });
    return Object.assign(child, { output, done });
  }

  /** Runs `sysward …` to its end; a run that hangs is killed so the test fails with what it printed. */
  async run(args: string[], env?: NodeJS.ProcessEnv, input?: string): Promise<Run> {
    const child = this.start(args, env, input);
    const timer = setTimeout(() => child.kill("SIGKILL"), 45_000);
    try {
      return await child.done;
    } finally {
      clearTimeout(timer);
    }
  }
}

export function stderrLines(r: Run): string[] {
  return r.stderr.trimEnd().split("\n");
}
