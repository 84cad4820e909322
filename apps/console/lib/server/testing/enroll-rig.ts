import "server-only";
// Enrolling a machine the way a person does, for tests: the console's agent-facing routes
// (/api/enroll, then the hourly /api/pki/agent-credentials) served over real HTTP, and the agent's
// real `enroll` subcommand run as a child process against them.
import { spawn } from "node:child_process";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as enrollRoute from "@/app/api/enroll/route";
import * as agentCredentialsRoute from "@/app/api/pki/agent-credentials/route";
import { consoleServerOptions, createConsoleServer } from "../../../scripts/console-server.mjs";
import { routesHandler } from "./route-server";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../..");
const agentMain = join(repoRoot, "apps/agent/src/main.ts");

export interface ServedRoutes {
  url: string;
  close(): Promise<void>;
}

export interface AgentFacingOptions {
  /** Rewrites /api/enroll's JSON answer on its way to the agent (a console that lies, or someone in between). */
  tamperEnroll?: (answer: Record<string, unknown>) => void;
}

export async function serveAgentFacingRoutes(o: AgentFacingOptions = {}): Promise<ServedRoutes> {
  // The console's own server around them: X-Forwarded-For is the agent's address, as in production.
  const server = createConsoleServer(
    routesHandler([
      {
        method: "POST",
        path: /^\/api\/enroll$/,
        async handle(req) {
          const res = await enrollRoute.POST(req);
          if (!o.tamperEnroll) return res;
          const answer = (await res.json()) as Record<string, unknown>;
          o.tamperEnroll(answer);
          return Response.json(answer, { status: res.status });
        },
      },
      { method: "POST", path: /^\/api\/pki\/agent-credentials$/, handle: (req) => agentCredentialsRoute.POST(req) },
    ]),
    consoleServerOptions({}),
  );
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** The agent's real `enroll` subcommand on `dataDir`, as the person runs it on the new machine. */
export function runEnroll(dataDir: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", agentMain, "enroll", ...args], {
    cwd: repoRoot,
    env: Object.fromEntries(Object.entries({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", SYSWARD_DATA_DIR: dataDir })) as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((r) => child.once("exit", (code) => r({ code, out })));
}
