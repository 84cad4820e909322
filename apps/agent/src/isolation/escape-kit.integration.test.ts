// The escape kit (testing/escape-kit.ts) installed through the real agent on this machine, laid
// out as `npm start` lays out one host: the agent's and the console's data side by side in one
// home. Under the supervisor here (systemd runs in lab machines: lab/tests/escape-kit.test.ts);
// as root (CI) every service gets its own uid, as a user it runs as that user, walled in by the
// sandbox alone. Every attack is asserted on its own, and so is every legitimate need.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "../rpc/testing/start-test-agent";
import type { KitResult } from "./testing/escape-kit";
import { itBlocksEveryAttack, NEIGHBOUR, runEscapeKit } from "./testing/run-escape-kit";

const mode = process.getuid?.() === 0 ? "root: a uid per service" : "a user agent";
let home: string;
let agent: TestAgent;
let results: Map<string, KitResult>;
let hostTmpDir: string;
let otherStateDir: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "sysward-escape-home-"));
  const share = join(home, ".local", "share");
  const consoleDir = join(share, "sysward-console");
  mkdirSync(join(consoleDir, "pki"), { recursive: true, mode: 0o700 });
  writeFileSync(join(consoleDir, "console.sqlite"), "SQLite format 3\0 every agent's bearer token", { mode: 0o600 });
  writeFileSync(join(consoleDir, "pki", "ca.key"), "-----BEGIN PRIVATE KEY----- the console CA", { mode: 0o600 });
  const dataDir = join(share, "sysward");
  mkdirSync(join(dataDir, "tls"), { recursive: true, mode: 0o700 });
  writeFileSync(join(dataDir, "tls", "agent.key"), "-----BEGIN PRIVATE KEY----- the agent's TLS key", { mode: 0o600 });
  hostTmpDir = mkdtempSync(join(tmpdir(), "sysward-escape-tmp-"));

  agent = await startTestAgent({ dataDir, env: { HOME: home } });
  otherStateDir = join(dataDir, "packages", NEIGHBOUR, "data");
  results = await runEscapeKit(agent.client(), (otherPid) => {
    writeFileSync(join(otherStateDir, "secret"), "the neighbour's data");
    return {
      agentToken: join(dataDir, "agent.token"),
      agentSocket: agent.socketPath,
      agentTlsKey: join(dataDir, "tls", "agent.key"),
      agentPid: agent.process.pid!,
      consoleDb: join(consoleDir, "console.sqlite"),
      consoleCaKey: join(consoleDir, "pki", "ca.key"),
      otherStateDir,
      otherPid,
      otherName: NEIGHBOUR,
      hostTmpDir,
    };
  });
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  agent?.cleanup();
  rmSync(home, { recursive: true, force: true });
  rmSync(hostTmpDir, { recursive: true, force: true });
});

describe(`a hostile package under the supervisor (${mode})`, () => {
  it("runs sandboxed, as the agent reports", async () => {
    const info = await agent.client().agentInfo({});
    expect(info.isolation).toMatchObject({ policy: "required", sandboxed: true, separateUsers: process.getuid?.() === 0 });
  });

  itBlocksEveryAttack(() => results);

  it("left nothing outside its own directories", () => {
    expect(existsSync(join(hostTmpDir, "escaped"))).toBe(false);
    expect(existsSync(join(otherStateDir, "escaped"))).toBe(false);
    expect(existsSync("/usr/escaped") || existsSync("/etc/escaped")).toBe(false);
  });
});

describe("SYSWARD_SANDBOX=off, asked for by name", () => {
  it("is said in AgentInfo and loudly in the agent's log", async () => {
    const unboxed = await startTestAgent({ env: { SYSWARD_SANDBOX: "off" } });
    try {
      const info = await unboxed.client().agentInfo({});
      expect(info.isolation).toMatchObject({ policy: "off", sandboxed: false, separateUsers: false });
      expect(info.runtimeReason).toContain("NOT SANDBOXED");
      expect(unboxed.output()).toMatch(/"level":40.*services are NOT SANDBOXED/);
    } finally {
      await unboxed.stop();
      unboxed.cleanup();
    }
  });

  it("is the only way past the default: a policy the agent does not know stops it with what to set", async () => {
    await expect(startTestAgent({ env: { SYSWARD_SANDBOX: "no" } })).rejects.toThrow(/SYSWARD_SANDBOX="no" must be required, auto or off/);
  });
});
