// A second console of its own (its own data dir and port), the production server the stack runs
// (apps/console/scripts/start.mjs on the same build), for tests that must kill a console and start
// it again on the same database, which the shared stack's console cannot be.
import { request, type APIRequestContext } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { repo, stopChild } from "./agent-process";
import { logIn } from "./console-api";

export class ConsoleProcess {
  private child: ChildProcess | undefined;
  private log = "";

  constructor(
    /** Holds its data dir; the caller removes it. */
    readonly root: string,
    readonly port: number,
    readonly adminPassword: string,
  ) {}

  get baseURL(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts it and waits until /api/healthz answers. */
  async start(timeoutMs = 30_000): Promise<void> {
    const dataDir = join(this.root, "console");
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const child = spawn(process.execPath, [join(repo, "apps/console/scripts/start.mjs")], {
      cwd: join(repo, "apps/console"),
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? this.root,
        PORT: String(this.port),
        SYSWARD_CONSOLE_HOST: "127.0.0.1",
        SYSWARD_CONSOLE_DATA_DIR: dataDir,
        SYSWARD_ADMIN_PASSWORD: this.adminPassword,
        // No agent of its own on this machine: only the ones a test registers.
        SYSWARD_DATA_DIR: join(this.root, "no-local-agent"),
        ...(process.env.NEXT_DIST_DIR ? { NEXT_DIST_DIR: process.env.NEXT_DIST_DIR } : {}),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stdout?.on("data", (d: Buffer) => (this.log += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (this.log += d.toString()));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the console exited (${child.signalCode ?? child.exitCode}):\n${this.log}`);
      const up = await fetch(`${this.baseURL}/api/healthz`).then((r) => r.ok, () => false);
      if (up) return;
      if (Date.now() > deadline) throw new Error(`the console did not answer within ${timeoutMs} ms:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  output(): string {
    return this.log;
  }

  /** An API context signed in as admin (a fresh login: sessions outlive a restart, but need not). */
  async adminApi(): Promise<APIRequestContext> {
    const api = await request.newContext({ baseURL: this.baseURL, extraHTTPHeaders: { origin: this.baseURL } });
    await logIn(api, "admin", this.adminPassword);
    return api;
  }

  /** Ends it with `signal` (SIGKILL: a crash, nothing flushed) and waits for it to be gone. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    await stopChild(this.child, signal);
  }
}
