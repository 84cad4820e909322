// The console dies (kill -9) while it streams a package into the agent's Install. The agent must
// abort that install cleanly: no staging file, the name free, the version that ran before still
// running — and once every byte had arrived, finish the install on its own.
//
// Two consoles: a stand-in process that speaks to the agent exactly as the console's upload
// route does (one HTTP/2 connection, gRPC Install in 256 KiB messages; see
// testing/console-stand-in.ts), always; and the real production console (`next start`) when a
// build of it exists — npm test runs Vitest before anything builds the console, so on a clean
// clone that case is skipped and says so.
import { Code, ConnectError } from "@connectrpc/connect";
import { InstallPhase, ServiceState } from "@sysward/proto";
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installVia } from "../install/testing/install-via";
import { shellBodies, shellServiceZip } from "../install/testing/package-fixtures";
import { runningVersions } from "../install/testing/package-processes";
import { waitFor } from "../runtime/testing/wait-for";
import { startTestAgent, type TestAgent } from "../rpc/testing/start-test-agent";
import { ADMIN_PASSWORD, findConsoleBuild, startConsole } from "./testing/console-process";
import { fdCount, fdTargets, settledFdCount } from "./testing/proc-usage";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../../../..");
const NAME = "upl";
let agent: TestAgent;
let current: string;

beforeAll(async () => {
  agent = await startTestAgent();
  current = (await installVia(agent.client(), { name: NAME, healthSeconds: 0 }, shellServiceZip(NAME, shellBodies.steady("v1")))).service!.version!.id;
});

afterAll(async () => {
  await agent?.stop();
  agent?.cleanup();
});

const stagedBytes = () => readdirSync(join(agent.dataDir, "staging")).reduce((n, f) => n + statSync(join(agent.dataDir, "staging", f)).size, 0);

/** The agent after a console died mid-upload: nothing staged, the old version serving, the name free. */
async function expectCleanAbort(): Promise<void> {
  await waitFor(() => readdirSync(join(agent.dataDir, "staging")).length === 0, "the staging file to go");
  expect(agent.process.exitCode).toBeNull();
  const svc = (await agent.client().getService({ name: NAME })).service!;
  expect(svc.version?.id).toBe(current);
  expect(svc.state).toBe(ServiceState.RUNNING);
  expect(runningVersions(join(agent.dataDir, "packages"), NAME)).toEqual([current]);
  // The name is free again — once the aborted install has finished undoing itself (the staging
  // file goes first; the name's lock a few file operations later).
  const next = await waitFor(
    () =>
      installVia(agent.client(), { name: NAME, healthSeconds: 0 }, shellServiceZip(NAME, shellBodies.steady(`after-${current}`))).catch((err: unknown) => {
        if (ConnectError.from(err).code === Code.Aborted) return undefined;
        throw err;
      }),
    "the name to be free",
    { timeoutMs: 5_000 },
  );
  expect(next.previousVersion).toBe(current);
  current = next.service!.version!.id;
}

function startStandIn(mode: "endless" | "complete") {
  const child = spawn(process.execPath, ["--import", "tsx", join(here, "testing/console-stand-in.ts"), agent.socketPath, join(agent.dataDir, "agent.token"), NAME, mode], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    output: () => out,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

describe("the console killed mid-upload (a stand-in process speaking the console's protocol)", () => {
  it("while bytes are still arriving: the agent drops the install and frees the name", async () => {
    const fdsBefore = fdCount(agent.process.pid!);
    const standIn = startStandIn("endless");
    try {
      await waitFor(() => stagedBytes() >= 1024 * 1024, "a megabyte staged", { timeoutMs: 20_000 });
      expect((await agent.client().getService({ name: NAME })).service?.phaseDetail).toMatch(/bytes/);
    } finally {
      await standIn.kill();
    }
    await expectCleanAbort();
    // The dead console's connection is closed on the agent's side too.
    const fdsAfter = await settledFdCount(agent.process.pid!, fdsBefore);
    expect(fdsAfter, fdTargets(agent.process.pid!).join(" ")).toBeLessThanOrEqual(fdsBefore);
  });

  it("after the last byte: the agent finishes the install on its own", async () => {
    const standIn = startStandIn("complete");
    try {
      // "sent all" means the stand-in handed its last message to HTTP/2, not that the agent has
      // it: the agent's own phase says when every byte arrived (past receiving, in the 3 s window).
      await waitFor(
        async () => {
          const phase = (await agent.client().getService({ name: NAME })).service?.phase;
          return phase === InstallPhase.STARTING || phase === InstallPhase.HEALTH;
        },
        "the agent to have the whole package (starting or health phase)",
        { timeoutMs: 20_000 },
      );
      // In the 3 s health window now (or about to be): the console dies.
    } finally {
      await standIn.kill();
    }
    expect(standIn.output()).not.toMatch(/installed|failed/);
    const svc = await waitFor(async () => {
      const s = (await agent.client().getService({ name: NAME })).service!;
      // The version only changes at the commit, after the health window.
      return s.version?.id !== current && s.state === ServiceState.RUNNING && readdirSync(join(agent.dataDir, "staging")).length === 0 ? s : undefined;
    }, "the new version to be committed", { timeoutMs: 20_000 });
    current = svc.version!.id;
    await waitFor(() => runningVersions(join(agent.dataDir, "packages"), NAME).join() === current, `only ${current} running`);
  });
});

const build = findConsoleBuild();
describe.skipIf(!build)(`the real console (next start, ${build ?? "no build"}) killed mid-upload${build ? "" : " — skipped: no production build of apps/console (npm test builds it only for e2e, after Vitest)"}`, () => {
  it("while bytes are still arriving: the agent drops the install and frees the name", async () => {
    const consoleProc = await startConsole(build!, agent.dataDir);
    const boundary = "----sysward-reliability";
    const head = Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="name"\r\n\r\n${NAME}\r\n` +
        `--${boundary}\r\ncontent-disposition: form-data; name="healthSeconds"\r\n\r\n0\r\n` +
        `--${boundary}\r\ncontent-disposition: form-data; name="package"; filename="pkg.zip"\r\ncontent-type: application/zip\r\n\r\n`,
    );
    const piece = Buffer.alloc(64 * 1024, 0x5a);
    let sentHead = false;
    // A browser uploading slowly and never finishing: the console dies first.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!sentHead) {
          sentHead = true;
          return controller.enqueue(new Uint8Array(head));
        }
        await new Promise((r) => setTimeout(r, 10));
        controller.enqueue(new Uint8Array(piece));
      },
    });
    const ac = new AbortController();
    const upload = fetch(`${consoleProc.baseUrl}/api/agents/local/upload`, {
      method: "POST",
      headers: { "content-type": `multipart/form-data; boundary=${boundary}`, origin: consoleProc.baseUrl, cookie: consoleProc.cookie },
      body,
      signal: ac.signal,
      duplex: "half",
    } as RequestInit).catch((e: unknown) => e);
    try {
      await waitFor(() => stagedBytes() >= 1024 * 1024, "a megabyte staged through the console", { timeoutMs: 20_000 });
    } finally {
      await consoleProc.kill();
      ac.abort();
    }
    await upload;
    await expectCleanAbort();
    // Its log (stderr) told the story without a secret in it: no agent token, password or session.
    const log = consoleProc.output();
    expect(log).toContain('"msg":"upload started"');
    for (const secret of [agent.token, ADMIN_PASSWORD, consoleProc.cookie.split("=")[1]!]) expect(log.includes(secret)).toBe(false);
  });
});
