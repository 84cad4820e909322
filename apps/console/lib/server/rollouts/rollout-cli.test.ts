// The CLI's rollout commands (apps/cli/src/commands/rollout.ts) against the console's real
// /api/rollouts routes on a real HTTP server, with two REAL agents: exit 0 when every machine runs
// the new version, 1 with the failed machine and its log lines when a version fails its health
// window there, 6 while another rollout of the service to those machines runs, and the list,
// status, cancel and revert commands.
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as rolloutRoute from "@/app/api/rollouts/route";
import * as oneRoute from "@/app/api/rollouts/[id]/route";
import * as cancelRoute from "@/app/api/rollouts/[id]/cancel/route";
import * as revertRoute from "@/app/api/rollouts/[id]/revert/route";
import * as approveRoute from "@/app/api/rollouts/[id]/approve/route";
import { runCli } from "../../../../cli/src/cli";
import { ExitCode } from "../../../../cli/src/exit-codes";
import { shellBodies, shellServiceZip } from "../../../../agent/src/install/testing/package-fixtures";
import type { TestAgent } from "../../../../agent/src/rpc/testing/start-test-agent";
import { createToken } from "../auth/api-tokens";
import { createUser } from "../auth/users";
import { setupConsoleTestEnv } from "../testing/console-test-env";
import { startLabelledAgents, stopLabelledAgents } from "../testing/labelled-agents";
import { routesHandler } from "../testing/route-server";
import { stopRolloutEngine } from "./rollouts";

const env = setupConsoleTestEnv({ SYSWARD_FLEET_PERF_MS: "200" });
const HOSTS = ["cli1", "cli2"];
let agents: TestAgent[] = [];
let server: Server;
let cliEnv: Record<string, string>;

const withId = (handle: (req: never, ctx: { params: Promise<{ id: string }> }) => Response | Promise<Response>) => (req: never, m: RegExpExecArray) =>
  Promise.resolve(handle(req, { params: Promise.resolve({ id: m[1]! }) }));

beforeAll(async () => {
  const admin = await createUser({ username: "cliadmin", password: "cli admin password", role: "admin" });
  // cli2's data dir has a name a package can test for: the machine where a version breaks.
  const hosts = HOSTS.map((id) => ({ id, dataDir: join(env.root, id === "cli2" ? "cli2-breaks" : id, "data") }));
  agents = [...(await startLabelledAgents(hosts, { role: "cli" }, { SYSWARD_SERVICE_WATCH_MS: "100" })).values()];
  const handler = routesHandler([
    { method: "POST", path: /^\/api\/rollouts$/, handle: (req) => rolloutRoute.POST(req) },
    { method: "GET", path: /^\/api\/rollouts$/, handle: (req) => Promise.resolve(rolloutRoute.GET(req)) },
    { method: "GET", path: /^\/api\/rollouts\/(\d+)$/, handle: withId(oneRoute.GET) },
    { method: "POST", path: /^\/api\/rollouts\/(\d+)\/cancel$/, handle: withId(cancelRoute.POST) },
    { method: "POST", path: /^\/api\/rollouts\/(\d+)\/revert$/, handle: withId(revertRoute.POST) },
    { method: "POST", path: /^\/api\/rollouts\/(\d+)\/approve$/, handle: withId(approveRoute.POST) },
  ]);
  server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  mkdirSync(join(env.root, "cli"), { recursive: true });
  cliEnv = { XDG_CONFIG_HOME: join(env.root, "cli"), SYSWARD_URL: `http://127.0.0.1:${(server.address() as { port: number }).port}`, SYSWARD_TOKEN: createToken(admin.id, "cli").token };
}, 60_000);

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await stopRolloutEngine();
  await stopLabelledAgents(agents);
  await env.cleanup();
});

async function sysward(...argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const code = await runCli(argv, { env: cliEnv as NodeJS.ProcessEnv, stdin: new PassThrough(), stdout, stderr, signal: new AbortController().signal });
  const text = (s: PassThrough) => (s.read() as Buffer | null)?.toString() ?? "";
  return { code, stdout: text(stdout), stderr: text(stderr) };
}

function zipFile(tag: string, breaksOnCli2 = false): string {
  const body = breaksOnCli2 ? `case "$PWD" in *cli2-breaks*) ${shellBodies.broken(tag)};; esac\n${shellBodies.steady(tag)}` : shellBodies.steady(tag);
  const path = join(env.root, `${tag}.zip`);
  writeFileSync(path, shellServiceZip("svc", body));
  return path;
}

describe("sysward rollout", () => {
  it("exits 0 once every selected machine runs the new version, printing each host", async () => {
    const r = await sysward("rollout", "svc", zipFile("c1"), "--selector", "role=cli", "--health", "1", "--batch", "100%");
    expect(r.code, r.stderr).toBe(ExitCode.Ok);
    expect(r.stdout).toMatch(/^rollout \d+ of svc succeeded: 2 of 2 machines on 1-[0-9a-f]{8}$/m);
    expect(r.stderr).toMatch(/^cli1 +healthy +wave 1 {2}1-/m);
    expect(r.stderr).toMatch(/^cli2 +healthy +wave 2 {2}1-/m);
  }, 60_000);

  it("exits 1 when a machine's new version fails its health window, printing it, why and its log lines", async () => {
    const r = await sysward("rollout", "svc", zipFile("c2", true), "--selector", "role=cli", "--health", "1");
    expect(r.code).toBe(ExitCode.Failure);
    expect(r.stderr).toMatch(/sysward: rollout \d+ of svc stopped: cli2 failed: failed_precondition: /);
    expect(r.stderr).toMatch(/cli2: failed: failed_precondition: .*health/);
    expect(r.stderr).toMatch(/^ {4}c2 failing line 3$/m);
    const id = /rollout (\d+) of svc stopped/.exec(r.stderr)![1]!;

    const status = await sysward("rollout", "status", id);
    expect(status.code).toBe(ExitCode.Ok);
    expect(status.stdout).toMatch(/^cli2 +failed/m);
    const reverted = await sysward("rollout", "revert", id);
    expect(reverted.code, reverted.stderr).toBe(ExitCode.Ok);
    expect(reverted.stdout).toMatch(/^rollout \d+ of svc reverted: /m);
    expect((await agents[0]!.client().getService({ name: "svc" })).service?.version?.id).toMatch(/^1-/);
  }, 60_000);

  it("exits 6 while another rollout of the service to those machines runs; lists and cancels", async () => {
    const waiting = sysward("rollout", "svc", zipFile("c3"), "--selector", "role=cli", "--health", "1", "--approve", "--json");
    let id = 0;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && id === 0; await new Promise((r) => setTimeout(r, 100))) {
      const list = await sysward("rollouts", "--json");
      const rows = (JSON.parse(list.stdout) as { rollouts: Array<{ id: number; state: string }> }).rollouts;
      id = rows.find((x) => x.state === "awaiting-approval")?.id ?? 0;
    }
    expect(id).toBeGreaterThan(0);
    const second = await sysward("rollout", "svc", zipFile("c4"), "--selector", "role = cli", "--health", "1");
    expect(second.code).toBe(ExitCode.Busy);
    expect(second.stderr).toMatch(new RegExp(`rollout ${id} of svc to "role=cli" is still running`));
    const listed = await sysward("rollouts");
    expect(listed.stdout).toMatch(new RegExp(`^${id} +svc +role=cli +awaiting-approval +1/2`, "m"));
    const cancelled = await sysward("rollout", "cancel", String(id));
    expect(cancelled.code).toBe(ExitCode.Ok);
    expect(cancelled.stdout).toBe(`rollout ${id} cancelled\n`);
    expect((await waiting).code).toBe(ExitCode.Failure);
  }, 60_000);

  it("refuses a missing selector or a bad batch before uploading anything (exit 2)", async () => {
    expect((await sysward("rollout", "svc", zipFile("c5"))).stderr).toMatch(/missing --selector/);
    const bad = await sysward("rollout", "svc", zipFile("c5"), "--selector", "role=cli", "--batch", "0");
    expect(bad.code).toBe(ExitCode.Usage);
    expect(bad.stderr).toMatch(/--batch must be a count of machines/);
    expect((await sysward("rollout", "status", "x")).code).toBe(ExitCode.Usage);
  });
});
