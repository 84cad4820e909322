import "server-only";
// Test rig for the console's route handlers: a private temp dir holding a real console.sqlite
// and (optionally) a REAL agent child process, env vars set before any server module reads
// them, and helpers that build NextRequests the way a browser or a script would send them.
// Call setupConsoleTestEnv() at the top of a test file, before anything calls getConfig().
import { Code, ConnectError } from "@connectrpc/connect";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NextRequest } from "next/server";
import { startTestAgent, type TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";

export const CONSOLE_ORIGIN = "http://console.test";
const HOST = "console.test";

export interface ConsoleTestEnv {
  root: string;
  agentDataDir: string;
  consoleDataDir: string;
  logFile: string;
  /** Starts the real agent on agentDataDir (the console's "local" agent). */
  startAgent(env?: Record<string, string>): Promise<TestAgent>;
  cleanup(): Promise<void>;
}

export function setupConsoleTestEnv(env: Record<string, string> = {}): ConsoleTestEnv {
  const root = mkdtempSync(join(tmpdir(), "sysward-console-test-"));
  const agentDataDir = join(root, "agent");
  const consoleDataDir = join(root, "console");
  const logFile = join(root, "console.log");
  Object.assign(process.env, {
    SYSWARD_CONSOLE_DATA_DIR: consoleDataDir,
    SYSWARD_DATA_DIR: agentDataDir,
    SYSWARD_CONSOLE_LOG_FILE: logFile,
    SYSWARD_LOG_LEVEL: "debug",
    // None unless a test makes one: never the checkout's own `npm run package` output.
    SYSWARD_AGENT_ARTIFACT_DIR: join(root, "artifact"),
    ...env,
  });
  const agents: TestAgent[] = [];
  return {
    root,
    agentDataDir,
    consoleDataDir,
    logFile,
    async startAgent(agentEnv = {}) {
      const agent = await startTestAgent({ dataDir: agentDataDir, env: agentEnv });
      agents.push(agent);
      return agent;
    },
    async cleanup() {
      for (const a of agents) {
        // Services outlive their agent by design: remove them, so no test leaves processes behind.
        if (a.process.exitCode === null && a.process.signalCode === null) {
          const services = await a.client().listServices({}).then((r) => r.services, () => []);
          for (const s of services) await a.client().remove({ name: s.name }).catch(() => {});
        }
        await a.stop().catch(() => a.kill());
      }
      const { stopAlertEngine } = await import("../alerts/alerts");
      await stopAlertEngine();
      const { stopFleetMonitor } = await import("../fleet/fleet");
      await stopFleetMonitor();
      killProcessesUnder(root);
      const { closeAgentConnections } = await import("../agents/agent-connection");
      closeAgentConnections();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Safety net: SIGKILL any process running from (or naming) this test's temp dir. */
function killProcessesUnder(root: string): void {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cwd.startsWith(root) || cmdline.includes(root)) process.kill(Number(pid), "SIGKILL");
    } catch {
      /* gone already, or not ours to read */
    }
  }
}

export interface RequestOptions {
  method?: string;
  /** JSON-encoded into the body. */
  json?: unknown;
  body?: BodyInit | null;
  /** The session cookie's value. */
  session?: string;
  /** An API token, sent as Authorization: Bearer. */
  token?: string;
  /** Origin header; defaults to the console's own for non-GET requests; null omits it. */
  origin?: string | null;
  /** Client address (X-Forwarded-For, as scripts/start.mjs sets it). */
  address?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function consoleRequest(path: string, opts: RequestOptions = {}): NextRequest {
  const method = opts.method ?? (opts.json !== undefined || opts.body ? "POST" : "GET");
  const headers = new Headers({ host: HOST, "x-forwarded-for": opts.address ?? "10.0.0.1", ...opts.headers });
  const origin = opts.origin === undefined ? (method === "GET" || method === "HEAD" ? null : CONSOLE_ORIGIN) : opts.origin;
  if (origin !== null) headers.set("origin", origin);
  if (opts.session) headers.set("cookie", `sysward_session=${opts.session}`);
  if (opts.token) headers.set("authorization", `Bearer ${opts.token}`);
  let body = opts.body ?? null;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers.set("content-type", "application/json");
  }
  // duplex: "half" is what fetch requires for a streamed body.
  const init = { method, headers, body, signal: opts.signal, duplex: "half" };
  return new NextRequest(`${CONSOLE_ORIGIN}${path}`, init as unknown as ConstructorParameters<typeof NextRequest>[1]);
}

/** True once the agent answers NotFound for the service (an install that must leave nothing). */
export async function agentLacksService(agent: TestAgent, name: string): Promise<boolean> {
  try {
    await agent.client().getService({ name });
    return false;
  } catch (err) {
    return ConnectError.from(err).code === Code.NotFound;
  }
}

/** The session id from a login response's Set-Cookie. */
export function sessionFrom(res: Response): string {
  const m = /sysward_session=([^;]*)/.exec(res.headers.get("set-cookie") ?? "");
  if (!m?.[1]) throw new Error(`no session cookie in response (status ${res.status})`);
  return m[1];
}
