// The `sysward` CLI as a person or a script runs it: a real child process (the bundle, through
// apps/cli/bin/sysward.mjs) against the running console with an admin's API token, driving the real
// agent. No browser. One service through its life, then the refusals.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "./fixtures";
import { answerOn, freePort, processAlive } from "./support/host-checks";
import { makeTestPki } from "../apps/agent/src/rpc/testing/test-pki";
import { crashingServicePackage, helloServicePackage } from "./support/package-zips";
import { buildCli, stderrLines, SyswardCli } from "./support/sysward-cli";
import { tlsFront } from "./support/tls-front";

const name = "clihello";

let home = "";
let token = "";
let cli: SyswardCli;
const sysward = (args: string[], env?: NodeJS.ProcessEnv, input?: string) => cli.run(args, env, input);
const start = (args: string[], env?: NodeJS.ProcessEnv) => cli.start(args, env);

test.describe("the sysward CLI", () => {
  test.describe.configure({ mode: "serial" });

  let port = 0;
  const zips = { v1: "", v2: "", crash: "" };
  let v1 = "";
  let v2 = "";

  test.beforeAll(async ({ adminApi }) => {
    buildCli();
    home = mkdtempSync(join(tmpdir(), "sysward-cli-e2e-"));
    cli = new SyswardCli(home);
    port = await freePort();
    zips.v1 = join(home, "hello-v1.zip");
    zips.v2 = join(home, "hello-v2.zip");
    zips.crash = join(home, "crash.zip");
    writeFileSync(zips.v1, helloServicePackage({ port, version: "v1" }));
    writeFileSync(zips.v2, helloServicePackage({ port, version: "v2" }));
    writeFileSync(zips.crash, crashingServicePackage({ message: "v3 cannot start: no config" }));

    const res = await adminApi.post("/api/tokens", { data: { name: "cli-e2e" } });
    expect(res.status(), await res.text()).toBe(201);
    token = ((await res.json()) as { token: string }).token;
  });

  test.afterAll(async () => {
    if (home && token) await sysward(["rm", "local", name]); // in case a step failed midway
    if (home) rmSync(home, { recursive: true, force: true });
  });

  test("login checks the token and saves it for its owner only; agents lists the local agent", async ({ stack }) => {
    const login = await sysward(["login", stack.baseURL, "--token", token]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(/^logged in to http:\/\/127\.0\.0\.1:\d+ \(1 agent\); saved in .*cli\.json\n$/);
    const config = join(home, "config", "sysward", "cli.json");
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(config, "utf8"))).toEqual({ url: stack.baseURL, token });
    expect(login.stdout).not.toContain(token);
    // The same from stdin, which keeps the token out of `ps` and shell history.
    const fromStdin = await sysward(["login", stack.baseURL, "--token", "-"], undefined, `${token}\n`);
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(JSON.parse(readFileSync(config, "utf8"))).toEqual({ url: stack.baseURL, token });

    const agents = await sysward(["agents"]);
    expect(agents.code, agents.stderr).toBe(0);
    expect(agents.stdout).toMatch(/^ID\s+NAME\s+STATUS\s+FOR\s+SERVICES\s+LABELS\s+ADDRESS\nlocal\s+.+\s+up\s+\S+\s+\d+\s+\S+\s+unix:\/\//);

    const json = await sysward(["agents", "--json"]);
    expect(json.code).toBe(0);
    // Other specs may add machines meanwhile: this one is there, up, with the monitor's facts.
    expect(JSON.parse(json.stdout)).toEqual({ agents: expect.arrayContaining([expect.objectContaining({ id: stack.agentId, up: true, state: "up", labels: expect.any(Object) })]) });
  });

  test("install streams the ZIP and waits for the health window; ls, logs and the port show it running", async () => {
    const install = await sysward(["install", "local", name, zips.v1, "--health", "1"]);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toMatch(new RegExp(`^installed ${name} on agent local: running, version (\\d+-[0-9a-f]{8}), pid \\d+\\n$`));
    v1 = /version (\S+),/.exec(install.stdout)![1]!;
    // Phases as the console reported them, on stderr (stdout carries only the result).
    expect(install.stderr).toMatch(/^receiving\s+upload started$/m);
    expect(install.stderr).toMatch(/^running\s+version \S+ is running$/m);

    const ls = await sysward(["ls", "local"]);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(new RegExp(`^${name}\\s+running\\s+${v1}\\s+\\d+`, "m"));

    const lsJson = await sysward(["ls", "local", "--json"]);
    const services = (JSON.parse(lsJson.stdout) as { services: Array<{ name: string; state: string; version: { id: string } }> }).services;
    expect(services.find((s) => s.name === name)).toMatchObject({ state: "SERVICE_STATE_RUNNING", version: { id: v1 } });

    await expect.poll(async () => (await sysward(["logs", "local", name])).stdout).toContain(`hello v1 listening on 127.0.0.1:${port}`);
    await expect.poll(() => answerOn(port)).toBe("hello from v1\n");
  });

  test("label sets and removes a machine's labels; agents --selector and services answer from the fleet monitor", async () => {
    const set = await sysward(["label", "local", "clie2e=yes", "cliother=1"]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^labels of local: .*clie2e=yes/);
    const picked = await sysward(["agents", "--selector", "clie2e=yes,cliother in (1,2)"]);
    expect(picked.code, picked.stderr).toBe(0);
    expect(picked.stdout).toMatch(/\nlocal\s+.+\s+up\s+.*clie2e=yes/);
    const none = await sysward(["agents", "--selector", "clie2e!=yes", "--json"]);
    expect((JSON.parse(none.stdout) as { agents: Array<{ id: string }> }).agents.map((a) => a.id)).not.toContain("local");
    const bad = await sysward(["agents", "--selector", "clie2e in yes"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^sysward: --selector: /);

    const services = await sysward(["services", "--name", name, "--selector", "clie2e=yes"]);
    expect(services.code, services.stderr).toBe(0);
    expect(services.stdout).toMatch(new RegExp(`^AGENT\\s+SERVICE\\s+STATE\\s+VERSION\\s+FOR\\s+RESTARTS\\nlocal\\s+${name}\\s+running\\s+${v1}\\s`));
    const json = await sysward(["services", "--state", "running", "--json"]);
    expect((JSON.parse(json.stdout) as { services: Array<{ agentId: string; name: string }> }).services).toContainEqual(expect.objectContaining({ agentId: "local", name }));

    const removed = await sysward(["label", "local", "clie2e-", "cliother-"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).not.toContain("clie2e");
  });

  test("logs -f follows new lines (a restart's) until Ctrl-C", async () => {
    const pidBefore = await servicePid();
    const follow = start(["logs", "-f", "-n", "1", "local", name]);
    try {
      await expect.poll(() => follow.output.stdout).toContain("hello v1 listening");
      const restart = await sysward(["restart", "local", name]);
      expect(restart.code, restart.stderr).toBe(0);
      expect(restart.stdout).toMatch(new RegExp(`^restarted ${name}: running, version ${v1}, pid \\d+\\n$`));
      expect(await servicePid()).not.toBe(pidBefore);
      // The restarted process prints its startup line again, and the follower sees it.
      await expect.poll(() => follow.output.stdout.split("hello v1 listening").length - 1).toBeGreaterThanOrEqual(2);
    } finally {
      follow.kill("SIGINT");
    }
    const ended = await follow.done;
    expect(ended.code).toBe(130);
    expect(ended.stderr).toBe("");
  });

  test("a second install replaces the first (NDJSON with --json) and rollback brings the first back", async () => {
    const install = await sysward(["install", "local", name, zips.v2, "--health", "1", "--json"]);
    expect(install.code, install.stderr).toBe(0);
    const events = install.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events[0]).toMatchObject({ type: "phase", phase: "receiving" });
    const result = events.at(-1) as { type: string; ok: boolean; previousVersion: string; service: { version: string } };
    expect(result).toMatchObject({ type: "result", ok: true, previousVersion: v1 });
    v2 = result.service.version;
    expect(v2).not.toBe(v1);
    await expect.poll(() => answerOn(port)).toBe("hello from v2\n");

    const rollback = await sysward(["rollback", "local", name]);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toMatch(new RegExp(`^rolled back ${name}: running, version ${v1}, pid \\d+ \\(was ${v2}\\)\\n$`));
    await expect.poll(() => answerOn(port)).toBe("hello from v1\n");
  });

  test("an install that fails its health window exits 1 with the agent's message and the new version's log lines", async () => {
    const install = await sysward(["install", "local", name, zips.crash, "--health", "2"]);
    expect(install.code).toBe(1);
    const lines = stderrLines(install);
    const error = lines.find((l) => l.startsWith("sysward: "));
    expect(error).toMatch(new RegExp(`^sysward: install of ${name} on agent local failed \\(failed_precondition\\): .+`));
    expect(lines).toContain("  v3 cannot start: no config");
    expect(lines.at(-1)).toBe("the previous version is still running");
    await expect.poll(() => answerOn(port)).toBe("hello from v1\n");
  });

  test("perf shows the machine and the service, for people and as JSON; --watch streams samples until Ctrl-C", async () => {
    // The previous test's rollback restarted the service: the cached sample may predate it for an interval.
    const serviceLine = new RegExp(`^${name}\\s+\\d+\\.\\d%`, "m");
    let perf = await sysward(["perf", "local"]);
    await expect.poll(async () => (perf = await sysward(["perf", "local"])).stdout, { timeout: 10_000 }).toMatch(serviceLine);
    expect(perf.code, perf.stderr).toBe(0);
    expect(perf.stdout).toMatch(/^cpu\s+\d+\.\d% busy/m);
    expect(perf.stdout).toMatch(/^memory\s+.+ used/m);
    const json = JSON.parse((await sysward(["perf", "local", "--json"])).stdout) as { sample: { memory: { totalBytes: string } } };
    expect(Number(json.sample.memory.totalBytes)).toBeGreaterThan(0);

    const watch = start(["perf", "local", "--watch", "--json"]);
    try {
      // The first sample comes at once, the next one an interval later (500 ms in this stack).
      await expect.poll(() => watch.output.stdout.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(2);
    } finally {
      watch.kill("SIGINT");
    }
    const ended = await watch.done;
    expect(ended.code).toBe(130);
    const times = ended.stdout.trimEnd().split("\n").map((l) => (JSON.parse(l) as { sample: { time: string } }).sample.time);
    expect(new Set(times).size, "each line is a new sample").toBe(times.length);
  });

  test("rm ends the process and forgets the service; a second rm is 'not found' (exit 4)", async () => {
    const pid = await servicePid();
    const rm = await sysward(["rm", "local", name]);
    expect(rm.code, rm.stderr).toBe(0);
    expect(rm.stdout).toBe(`removed ${name} from agent local\n`);
    await expect.poll(() => processAlive(pid)).toBe(false);
    expect((await sysward(["ls", "local"])).stdout).not.toMatch(new RegExp(`^${name}\\s`, "m"));

    const again = await sysward(["rm", "local", name]);
    expect(again.code).toBe(4);
    expect(stderrLines(again)).toEqual([expect.stringMatching(new RegExp(`^sysward: removing ${name} on agent local failed: .*${name}`))]);
  });

  test("machines add prints the one command to paste with its token, CA fingerprint and expiry (--json for scripts); ssh-key prints the console's key", async ({ adminApi }) => {
    const before = Date.now();
    const add = await sysward(["machines", "add", "--name", "CLI host", "--listen", "10.0.0.9:7443", "--expires", "15"]);
    expect(add.code, add.stderr).toBe(0);
    const token = /^token +(swe_\S+) \(one use\)$/m.exec(add.stdout)?.[1];
    const ca = /^CA fingerprint +(\S+)$/m.exec(add.stdout)?.[1];
    const expires = /^expires +(\S+)$/m.exec(add.stdout)?.[1];
    expect(add.stdout).toMatch(/^enrollment for cli-host \(CLI host\): run this on the new machine/);
    expect(token).toMatch(/^swe_/);
    // The command Add machine shows: it carries this token and CA pin, and the listen address given.
    const command = add.stdout.split("\n").find((l) => l.startsWith("  "))!.trim();
    expect(command).toContain(` ${token} `);
    expect(command).toContain(`--ca-sha256 ${ca}`);
    expect(command).toContain("10.0.0.9:7443");
    const minutes = (Date.parse(expires!) - before) / 60_000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(15.5);

    const json = await sysward(["machines", "add", "--name", "CLI json host", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const created = JSON.parse(json.stdout) as { enrollment: { id: number; agentId: string }; token: string; command: string; caSha256: string };
    expect(created.enrollment.agentId).toBe("cli-json-host");
    expect(created.caSha256).toBe(ca);
    expect(created.command).toContain(created.token);

    // Both wait on the console as enrollments, until used or cancelled.
    const pending = ((await (await adminApi.get("/api/enrollments")).json()) as { enrollments: Array<{ id: number; agentId: string; expiresAt: string }> }).enrollments;
    const mine = pending.filter((e) => e.agentId === "cli-host" || e.agentId === "cli-json-host");
    expect(mine.map((e) => e.agentId).sort()).toEqual(["cli-host", "cli-json-host"]);
    expect(mine.find((e) => e.agentId === "cli-host")?.expiresAt).toBe(expires);
    for (const e of mine) expect((await adminApi.delete(`/api/enrollments/${e.id}`)).status()).toBe(200);

    const taken = await sysward(["machines", "add", "--name", "local"]);
    expect(taken.code).toBe(1);
    expect(stderrLines(taken)).toEqual(['sysward: adding machine "local" failed: an agent with id "local" already exists; remove it first or choose another id']);

    const key = await sysward(["ssh-key"]);
    expect(key.code, key.stderr).toBe(0);
    const { publicKey } = (await (await adminApi.get("/api/ssh/key")).json()) as { publicKey: string };
    expect(key.stdout).toBe(`${publicKey}\n`);
    expect(publicKey).toMatch(/^ssh-ed25519 AAAA\S+ sysward-console@/);

    const gone = await sysward(["machines", "remove", "no-such-machine"]);
    expect(gone.code).toBe(4);
    expect(stderrLines(gone)).toEqual([expect.stringMatching(/^sysward: removing machine no-such-machine failed: .*no-such-machine/)]);
  });

  test("machines add through a console served over https names the console by its https URL, as the browser's form does", async ({ adminApi, stack }) => {
    const pki = makeTestPki();
    const front = await tlsFront(stack.port, pki.server);
    try {
      const env = { SYSWARD_URL: front.url, SYSWARD_TOKEN: token, NODE_EXTRA_CA_CERTS: pki.caPath };
      const add = await sysward(["machines", "add", "--name", "CLI https host", "--json"], env);
      expect(add.code, add.stderr).toBe(0);
      const created = JSON.parse(add.stdout) as { enrollment: { id: number }; command: string };
      // With the agent artifact built (npm run build), the one command (`curl … | sh -s -- --console URL …`);
      // without, the agent's own enroll: the console's https URL in either, never an http one.
      expect(created.command).toMatch(new RegExp(` (--console )?${front.url.replace(/[.]/g, "\\.")} (swe_|--token swe_)`));
      expect(created.command).not.toContain("http://");
      expect((await adminApi.delete(`/api/enrollments/${created.enrollment.id}`)).status()).toBe(200);
    } finally {
      await front.close();
      rmSync(pki.dir, { recursive: true, force: true });
    }
  });

  test("a wrong token is exit 3 with one clear line, on the JSON API, the proxy and the upload alike", async ({ stack }) => {
    const env = { SYSWARD_URL: stack.baseURL, SYSWARD_TOKEN: "swt_not-a-real-token" };
    for (const args of [["agents"], ["ls", "local"], ["install", "local", name, zips.v1]]) {
      const r = await sysward(args, env);
      expect(r.code, args.join(" ")).toBe(3);
      expect(stderrLines(r), args.join(" ")).toEqual([expect.stringMatching(/^sysward: the console refused the API token \(.+\); run `sysward login/)]);
      expect(r.stdout).toBe("");
    }
    const login = await sysward(["login", stack.baseURL, "--token", "swt_not-a-real-token"]);
    expect(login.code).toBe(3);

    const unknownAgent = await sysward(["ls", "nosuchagent"]);
    expect(unknownAgent.code).toBe(4);
    expect(stderrLines(unknownAgent)).toEqual(['sysward: listing the services of agent nosuchagent failed: no agent with id "nosuchagent"']);
  });

  test("a viewer makes a token on their API tokens page; the CLI with it reads, and is refused changes with exit 3", async ({ browser, sessions, stack }) => {
    const context = await browser.newContext({ storageState: await sessions.state("viewer") });
    let viewerToken = "";
    try {
      const page = await context.newPage();
      await page.goto("/");
      await page.getByTestId("nav-tokens").click();
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your API tokens");
      await page.getByTestId("token-new-name").fill("viewer-cli");
      await page.getByTestId("token-create").click();
      viewerToken = ((await page.getByTestId("token-value").textContent()) ?? "").trim();
      expect(viewerToken).toMatch(/^swt_/);
      await expect(page.getByTestId("tokens-table")).toContainText("viewer-cli");
    } finally {
      await context.close();
    }
    const env = { SYSWARD_URL: stack.baseURL, SYSWARD_TOKEN: viewerToken };
    const agents = await sysward(["agents", "--json"], env);
    expect(agents.code, agents.stderr).toBe(0);
    expect((JSON.parse(agents.stdout) as { agents: Array<{ id: string }> }).agents.map((a) => a.id)).toContain("local");
    expect((await sysward(["ls", "local"], env)).code).toBe(0);
    for (const args of [["restart", "local", name], ["install", "local", name, zips.v1], ["machines", "add", "--name", "Viewer host"], ["ssh-key"], ["machines", "remove", "local"]]) {
      const r = await sysward(args, env);
      expect(r.code, args.join(" ")).toBe(3);
      expect(stderrLines(r), args.join(" ")).toEqual([expect.stringMatching(/^sysward: .*not allowed: /)]);
    }
  });
});

async function servicePid(): Promise<number> {
  const r = await sysward(["ls", "local", "--json"]);
  const services = (JSON.parse(r.stdout) as { services: Array<{ name: string; pids: number[] }> }).services;
  const pid = services.find((s) => s.name === name)?.pids[0];
  expect(pid, r.stdout).toBeGreaterThan(0);
  return pid!;
}
