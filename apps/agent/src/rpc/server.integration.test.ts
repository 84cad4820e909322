// The agent's server over its real Unix socket: every transport, auth, file modes, no TCP, locking.
import { Code, ConnectError } from "@connectrpc/connect";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentClient } from "../client/socket-transport";
import { describeEachTransport } from "./testing/for-each-transport";
import { http2Get } from "./testing/raw-http2";
import { startTestAgent, type TestAgent } from "./testing/start-test-agent";

const run = promisify(execFile);
const repoRoot = resolve(__dirname, "../../../..");

/** Inodes of the sockets a process holds open. */
function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(m[1]!);
    } catch {
      /* fd closed meanwhile */
    }
  }
  return out;
}

/** TCP sockets in LISTEN state (st 0A) from /proc/net/tcp{,6}: their inodes. */
function listeningTcpInodes(): Set<string> {
  const out = new Set<string>();
  for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(f, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === "0A" && cols[9]) out.add(cols[9]);
    }
  }
  return out;
}

async function codeOf(p: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

describe("agent server on its Unix socket", () => {
  let agent: TestAgent;
  beforeAll(async () => {
    agent = await startTestAgent();
  });
  afterAll(async () => {
    await agent?.stop();
    agent?.cleanup();
  });

  describeEachTransport("AgentInfo", (kind) => {
    it("answers with this machine's facts", async () => {
      const info = await agent.client(kind).agentInfo({});
      expect(info.os).toBe("linux");
      expect(info.cpuCount).toBeGreaterThan(0);
      expect(info.memoryTotalBytes).toBeGreaterThan(0n);
      expect(info.agentVersion).toMatch(/^\d+\.\d+\.\d+/);
      expect(info.agentStarted).toBeDefined();
    });

    it("refuses a call without a token or with a wrong one", async () => {
      expect(await codeOf(createAgentClient(agent.socketPath, undefined, kind).agentInfo({}))).toBe(Code.Unauthenticated);
      expect(await codeOf(createAgentClient(agent.socketPath, "x".repeat(43), kind).agentInfo({}))).toBe(Code.Unauthenticated);
      expect(await codeOf(createAgentClient(agent.socketPath, agent.token + "x", kind).agentInfo({}))).toBe(Code.Unauthenticated);
    });
  });

  it("keeps its socket, token and data dir private", () => {
    expect(statSync(agent.socketPath).isSocket()).toBe(true);
    expect(statSync(agent.socketPath).mode & 0o777).toBe(0o600);
    expect(statSync(join(agent.dataDir, "agent.token")).mode & 0o777).toBe(0o600);
    expect(statSync(agent.dataDir).mode & 0o777).toBe(0o700);
    expect(agent.token.length).toBeGreaterThanOrEqual(43);
  });

  it("listens on no TCP port", () => {
    const mine = socketInodes(agent.process.pid!);
    expect(mine.size).toBeGreaterThan(0);
    const listening = listeningTcpInodes();
    expect([...mine].filter((i) => listening.has(i))).toEqual([]);
  });

  it("serves /debug/vars as expvar JSON only with the token", async () => {
    expect((await http2Get(agent.socketPath, "/debug/vars")).status).toBe(401);
    expect((await http2Get(agent.socketPath, "/debug/vars", { authorization: "Bearer nope" })).status).toBe(401);
    const res = await http2Get(agent.socketPath, "/debug/vars", { authorization: `Bearer ${agent.token}` });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/application\/json/);
    const vars = JSON.parse(res.body) as Record<string, unknown>;
    expect(Array.isArray(vars.cmdline)).toBe(true);
    expect((vars.memstats as { rss: number }).rss).toBeGreaterThan(0);
    // Our own earlier calls are counted by method and code.
    const calls = vars["rpc-calls"] as Record<string, number>;
    expect(calls["AgentInfo OK"]).toBeGreaterThan(0);
    expect(calls["AgentInfo Unauthenticated"]).toBeGreaterThan(0);
    expect(res.body).not.toContain(agent.token);
  });

  it("answers unknown paths 404 after auth, and never leaks the token into its log", async () => {
    expect((await http2Get(agent.socketPath, "/nope", { authorization: `Bearer ${agent.token}` })).status).toBe(404);
    expect((await http2Get(agent.socketPath, "/nope")).status).toBe(401);
    expect(agent.output()).not.toContain(agent.token);
  });

  it("is reachable by a client we did not write: buf curl over gRPC gets SystemPerf", async () => {
    const { stdout } = await run(
      join(repoRoot, "node_modules", ".bin", "buf"),
      [
        "curl",
        "--protocol", "grpc",
        "--http2-prior-knowledge",
        "--unix-socket", agent.socketPath,
        "--schema", join(repoRoot, "proto"),
        "-H", `Authorization: Bearer ${agent.token}`,
        "http://localhost/sysward.agent.v1.AgentService/SystemPerf",
      ],
      { cwd: repoRoot, timeout: 30_000 },
    );
    const sample = JSON.parse(stdout).sample;
    expect(Number(sample.memory.totalBytes)).toBeGreaterThan(0);
    expect(sample.cores.length).toBeGreaterThan(0);
  });

  it("refuses a second agent on the same data dir instead of stealing the socket", async () => {
    await expect(startTestAgent({ dataDir: agent.dataDir, readyTimeoutMs: 15_000 })).rejects.toThrow(/another agent \(pid \d+\) is already running/);
    // The first one still answers.
    expect((await agent.client().agentInfo({})).os).toBe("linux");
  });
});

describe("agent restart", () => {
  it("replaces the stale socket of a crashed agent and keeps its token", async () => {
    const first = await startTestAgent();
    try {
      await first.kill();
      expect(statSync(first.socketPath).isSocket()).toBe(true); // left behind by the crash
      const second = await startTestAgent({ dataDir: first.dataDir });
      try {
        expect(second.token).toBe(first.token);
        expect((await second.client("grpc").agentInfo({})).os).toBe("linux");
      } finally {
        expect(await second.stop()).toBe(0);
      }
    } finally {
      first.cleanup();
    }
  });
});
