// A fresh Debian host (no Node, no checkout: only the image and the host's curl) gets the agent with
// the one command the console's Add machine gives, pasted into its shell: the real production
// console on the host serves install.sh and the artifact (`npm run package`), the machine enrols and
// the console installs a service on it over mutual TLS. Then what an operator does next: a reboot,
// the same command again (in place, data kept), an upgrade to a newer artifact, a failed upgrade
// rolled back, removal; and the command of a console served over https.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shellBodies, shellServiceZip } from "../../apps/agent/src/install/testing/package-fixtures";
import { makeTestPki } from "../../apps/agent/src/rpc/testing/test-pki";
import { findConsoleBuild, startConsole, type ConsoleProcess } from "../../apps/agent/src/reliability/testing/console-process";
import { waitFor } from "../../apps/agent/src/runtime/testing/wait-for";
import { SYSTEM_DATA_DIR } from "../src/agent";
import { labSkipReason } from "../src/availability";
import { forwardToLoopback, type Forward } from "../src/forward";
import { LabMachine } from "../src/machine";
import { HOST_ADDRESS, REPO_DIR } from "../src/settings";

const CHECKOUT_ARTIFACT = join(REPO_DIR, "apps/agent/dist/artifact");
const consoleBuild = findConsoleBuild();
const skip = labSkipReason() ?? (consoleBuild ? undefined : "no production build of the console (npm run build)");

interface Manifest {
  version: string;
  file: string;
  sha256: string;
  size: number;
  installScriptSha256: string;
}

/**
 * A copy of the artifact `from` in `dir` as `version`, its agent bundle replaced by `agentSource`,
 * and made the one the console serves (manifest.json rewritten as the packager writes it).
 */
function repackArtifact(dir: string, from: Manifest, version: string, agentSource: string): Manifest {
  const work = mkdtempSync(join(tmpdir(), "sysward-repack-"));
  try {
    const top = `sysward-agent-${version}`;
    const file = `${top}-linux-x64.tar.gz`;
    const sh = (script: string) => {
      const r = spawnSync("sh", ["-c", script], { cwd: work, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`);
    };
    sh(`tar -xzf '${join(dir, from.file)}' && mv 'sysward-agent-${from.version}' '${top}'`);
    writeFileSync(join(work, top, "VERSION"), `${version}\n`);
    writeFileSync(join(work, top, "lib/agent.mjs"), agentSource);
    sh(`tar --sort=name --owner=0 --group=0 --numeric-owner -cf - '${top}' | gzip -1 -n > '${join(dir, file)}'`);
    const bytes = readFileSync(join(dir, file));
    const manifest = { ...(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest), version, file, sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length };
    writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `npm run package` into `out` (the version given, or the checkout's own). */
function packageArtifact(out: string, version?: string): Manifest {
  const r = spawnSync(process.execPath, [join(REPO_DIR, "apps/agent/packaging/build-artifact.mjs")], {
    env: { ...process.env, SYSWARD_ARTIFACT_OUT: out, ...(version ? { SYSWARD_AGENT_VERSION: version } : {}) },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`packaging failed: ${r.stderr}${r.stdout}`);
  return JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as Manifest;
}

describe.skipIf(skip)(`one command installs the agent on a bare Debian host${skip ? ` — skipped: ${skip}` : ""}`, () => {
  const agentId = "fresh-host";
  let artifactDir: string;
  let first: Manifest;
  let console_: ConsoleProcess;
  let forward: Forward;
  let machine: LabMachine;
  let consoleUrl: string;
  let command: string;
  let upgrade: string;
  let next: Manifest;

  const api = async <T>(path: string, init: { method?: string; json?: unknown; body?: FormData } = {}): Promise<T> => {
    const method = init.method ?? (init.json || init.body ? "POST" : "GET");
    const request = () =>
      fetch(`${console_.baseUrl}${path}`, {
        method,
        headers: { cookie: console_.cookie, origin: console_.baseUrl, ...(init.json ? { "content-type": "application/json" } : {}) },
        body: init.json ? JSON.stringify(init.json) : init.body,
      });
    // A kept-alive connection the console closes just as fetch reuses it (its 5 s idle timeout, met
    // after a slow step) fails before any answer: a GET is safe to send again.
    const res = await request().catch((err: unknown) => {
      if (method === "GET" && (err as { cause?: { code?: string } }).cause?.code === "UND_ERR_SOCKET") return request();
      throw err;
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
    return (res.headers.get("content-type")?.startsWith("application/json") ? JSON.parse(text) : text) as T;
  };
  const agentUp = async () => (await api<{ agents: Array<{ id: string; up: boolean }> }>("/api/agents")).agents.find((a) => a.id === agentId)?.up ?? false;
  const rpc = <T>(method: string, body: object = {}) => api<T>(`/rpc/${agentId}/sysward.agent.v1.AgentService/${method}`, { json: body });
  const serviceState = async (name: string) => (await rpc<{ service?: { state?: string; pids?: number[] } }>("GetService", { name }).catch(() => ({ service: undefined }))).service;
  /** A command pasted into a root shell on the machine (`user`: the lab user's), as a person would. */
  const paste = async (line: string, opts: { user?: boolean } = {}) => {
    const started = Date.now();
    const r = await machine.exec(["bash", "-c", line], { timeoutMs: 180_000, ...opts });
    return { ...r, out: r.stdout + r.stderr, seconds: (Date.now() - started) / 1000 };
  };
  /** A steady service, uploaded through the console as the browser's upload does. */
  const installWorker = async () => {
    const form = new FormData();
    form.set("name", "worker");
    form.set("healthSeconds", "1");
    form.set("package", new Blob([new Uint8Array(shellServiceZip("worker", shellBodies.steady("worker")))], { type: "application/zip" }), "worker.zip");
    expect(await api<string>(`/api/agents/${agentId}/upload`, { body: form })).toContain('"ok":true');
  };
  const installedVersion = () => readFileSync(machine.path("/opt/sysward/VERSION"), "utf8").trim();
  const agentToken = () => readFileSync(machine.path(`${SYSTEM_DATA_DIR}/agent.token`), "utf8");

  beforeAll(async () => {
    artifactDir = mkdtempSync(join(tmpdir(), "sysward-artifact-"));
    // The checkout's own package (npm run build made it) unless its install.sh is not this one; else one made now.
    const built = existsSync(join(CHECKOUT_ARTIFACT, "manifest.json")) ? (JSON.parse(readFileSync(join(CHECKOUT_ARTIFACT, "manifest.json"), "utf8")) as Manifest) : undefined;
    const script = createHash("sha256").update(readFileSync(join(REPO_DIR, "apps/agent/packaging/install.sh"))).digest("hex");
    if (built && built.installScriptSha256 === script) {
      first = built;
      for (const f of ["manifest.json", "install.sh", first.file, `${first.file}.sha256`]) copyFileSync(join(CHECKOUT_ARTIFACT, f), join(artifactDir, f));
    } else {
      first = packageArtifact(artifactDir);
    }
    const localAgentDir = join(artifactDir, "no-local-agent");
    mkdirSync(localAgentDir);
    console_ = await startConsole(consoleBuild!, localAgentDir, { SYSWARD_AGENT_ARTIFACT_DIR: artifactDir });
    forward = await forwardToLoopback(Number(new URL(console_.baseUrl).port));
    consoleUrl = `http://${forward.address}`;
    machine = await LabMachine.boot({ hostname: "fresh-host", bare: true, tools: ["curl"] });
  }, 240_000);

  afterAll(async () => {
    await machine?.destroy();
    await forward?.close();
    await console_?.kill();
    if (artifactDir) rmSync(artifactDir, { recursive: true, force: true });
  });

  it("the machine has no Node and no checkout: only curl, sh and what Debian's minimal image has", async () => {
    expect((await machine.exec(["sh", "-c", "command -v node nodejs npm"])).stdout).toBe("");
    expect(existsSync(machine.path(REPO_DIR))).toBe(false);
    // (Not `curl --version`: its LDAP library looks up the host's name, 10 s in a lab without DNS.)
    expect((await machine.exec(["sh", "-c", "command -v curl"])).stdout.trim()).toBe("/usr/bin/curl");
  });

  it("the command Add machine gives installs, enrols and starts the agent; the console reaches it", async () => {
    const created = await api<{ command: string; agentArtifact: { version: string } }>("/api/enrollments", { json: { name: "Fresh host", consoleUrl } });
    command = created.command;
    expect(created.agentArtifact.version).toBe(first.version);
    expect(command).toMatch(/^f=\$\(mktemp\) && curl -fsSLo "\$f" http:\/\/10\.231\.0\.1:\d+\/install\.sh && echo "[0-9a-f]{64} {2}\$f" \| sha256sum -c --quiet && sh "\$f" --console /);
    expect(command).toContain(`--version ${first.version} --sha256 ${first.sha256}`);

    const run = await paste(command);
    console.log(`lab: the one command took ${run.seconds.toFixed(1)} s (artifact ${(first.size / 1024 / 1024).toFixed(1)} MiB)`);
    expect(run.out).toContain(`installed ${first.version} in /opt/sysward`);
    expect(run.out).toContain(`enrolled with ${consoleUrl}`);
    expect(run.code, run.out).toBe(0);
    // --listen was left to the script: this host's address toward the console.
    expect(JSON.parse(readFileSync(machine.path(`${SYSTEM_DATA_DIR}/listen.json`), "utf8")).listen).toBe(`${machine.address}:7443`);
    expect((await machine.exec(["systemctl", "is-enabled", "sysward-agent.service"])).stdout.trim()).toBe("enabled");

    await waitFor(agentUp, "the console to reach the new agent", { timeoutMs: 30_000, intervalMs: 500 });
    const info = await rpc<{ hostname: string; runtime: string; isolation?: { sandboxed?: boolean; separateUsers?: boolean } }>("AgentInfo");
    expect(info.hostname).toBe("fresh-host");
    // Root on a host where systemd runs: system units, each service under a uid of its own.
    expect(info.runtime).toBe("systemd");
    expect(info.isolation).toMatchObject({ sandboxed: true, separateUsers: true });
  }, 240_000);

  it("an install through the console's API runs on it", async () => {
    await installWorker();
    expect((await serviceState("worker"))?.state).toBe("SERVICE_STATE_RUNNING");
  }, 60_000);

  it("comes back after a reboot, enrolled, with its service", async () => {
    await machine.reboot();
    await waitFor(agentUp, "the agent up again after the reboot", { timeoutMs: 60_000, intervalMs: 500 });
    await waitFor(async () => (await serviceState("worker"))?.state === "SERVICE_STATE_RUNNING", "worker running after the reboot", { timeoutMs: 30_000, intervalMs: 500 });
  }, 180_000);

  it("the same command again reinstalls in place: new files, the same data and enrollment", async () => {
    const token = agentToken();
    writeFileSync(machine.path("/opt/sysward/lib/left-behind"), "x");
    const run = await paste(command);
    expect(run.out).toContain(`upgraded from ${first.version} to ${first.version}`);
    expect(run.out).toContain("enrollment kept");
    expect(run.code, run.out).toBe(0);
    expect(existsSync(machine.path("/opt/sysward/lib/left-behind"))).toBe(false);
    expect(agentToken()).toBe(token);
    await waitFor(agentUp, "the agent up after the reinstall", { timeoutMs: 30_000, intervalMs: 500 });
    expect((await serviceState("worker"))?.state).toBe("SERVICE_STATE_RUNNING");
  }, 180_000);

  it("a newer artifact on the console: its upgrade command upgrades in place, keeping data, enrollment and services", async () => {
    next = packageArtifact(artifactDir, `${first.version}.next`);
    const { upgradeCommand } = await api<{ upgradeCommand: string }>(`/api/agent-artifact?consoleUrl=${encodeURIComponent(consoleUrl)}`);
    expect(upgradeCommand).toContain(`--version ${next.version} --sha256 ${next.sha256}`);
    // The old command now names a version this console no longer serves: it says so, changes nothing.
    const stale = await paste(command);
    expect(stale.code).not.toBe(0);
    expect(stale.out).toContain("download failed");
    expect(installedVersion()).toBe(first.version);
    upgrade = upgradeCommand;

    const token = agentToken();
    const pids = (await serviceState("worker"))?.pids;
    const run = await paste(upgradeCommand);
    expect(run.out).toContain(`upgraded from ${first.version} to ${next.version}`);
    expect(run.code, run.out).toBe(0);
    expect(installedVersion()).toBe(next.version);
    expect(agentToken()).toBe(token);
    await waitFor(agentUp, "the upgraded agent up", { timeoutMs: 30_000, intervalMs: 500 });
    // The service ran on through the agent's restart (KillMode=process): the same processes.
    expect((await serviceState("worker"))?.pids).toEqual(pids);
  }, 240_000);

  it("a tampered download is refused before anything changes", async () => {
    const tampered = upgrade.replace(/--sha256 [0-9a-f]{64}/, `--sha256 ${"0".repeat(64)}`);
    const run = await paste(tampered);
    expect(run.code).not.toBe(0);
    expect(run.out).toContain("sha256 mismatch");
    expect(await agentUp()).toBe(true);
  }, 120_000);

  /**
   * The console serves a build of `next` whose agent is `agentSource`; its upgrade command (with
   * `extraArgs`) must fail, saying `why`, and leave `next` running on the same data, its services untouched.
   */
  const upgradeRolledBack = async (suffix: string, agentSource: string, why: string, extraArgs = "") => {
    const serving = readFileSync(join(artifactDir, "manifest.json"));
    const bad = repackArtifact(artifactDir, next, `${next.version}.${suffix}`, agentSource);
    try {
      const { upgradeCommand } = await api<{ upgradeCommand: string }>(`/api/agent-artifact?consoleUrl=${encodeURIComponent(consoleUrl)}`);
      expect(upgradeCommand).toContain(`--version ${bad.version} --sha256 ${bad.sha256}`);
      const token = agentToken();
      const pids = (await serviceState("worker"))?.pids;
      const run = await paste(`${upgradeCommand}${extraArgs}`);
      console.log(`lab: a failed upgrade (${suffix}) and its rollback took ${run.seconds.toFixed(1)} s`);
      expect(run.code).not.toBe(0);
      expect(run.out).toContain(`the new agent ${bad.version} did not come up: ${why}; rolling back to ${next.version}`);
      expect(run.out).toContain(`Rolled back: ${next.version} is running again in /opt/sysward`);
      expect(installedVersion()).toBe(next.version);
      expect((await machine.exec(["systemctl", "is-active", "sysward-agent.service"])).stdout.trim()).toBe("active");
      expect(agentToken()).toBe(token);
      await waitFor(agentUp, "the previous agent up again", { timeoutMs: 30_000, intervalMs: 500 });
      expect((await serviceState("worker"))?.pids).toEqual(pids);
      // Nothing of the failed tree is left beside the install.
      expect((await machine.exec(["sh", "-c", "ls -a /opt"])).stdout.split("\n").filter((f) => f.startsWith(".sysward-install"))).toEqual([]);
      return run.out;
    } finally {
      writeFileSync(join(artifactDir, "manifest.json"), serving);
    }
  };

  it("an upgrade whose new agent exits at start rolls back to the previous install and says so; data, enrollment and services stay", async () => {
    const out = await upgradeRolledBack("broken", 'console.error("this agent cannot start: a broken build"); process.exit(3);\n', "it exited at start");
    // The failed agent's own words, from its journal.
    expect(out).toContain("this agent cannot start: a broken build");
  }, 180_000);

  it("an upgrade whose new agent runs but never answers is rolled back once --wait is over", async () => {
    await upgradeRolledBack("silent", "setInterval(() => {}, 60_000);\n", `it did not answer on ${SYSTEM_DATA_DIR}/agent.sock within 3 s`, " --wait 3");
  }, 180_000);

  it("uninstall removes the agent and its services and keeps the data; --purge removes that too", async () => {
    const run = await paste("sh /opt/sysward/install.sh --uninstall");
    expect(run.code, run.out).toBe(0);
    expect(existsSync(machine.path("/opt/sysward"))).toBe(false);
    expect(existsSync(machine.path("/etc/systemd/system/sysward-agent.service"))).toBe(false);
    expect((await machine.exec(["pgrep", "-f", "worker tick|/opt/sysward"])).stdout.trim()).toBe("");
    expect(existsSync(machine.path(`${SYSTEM_DATA_DIR}/listen.json`))).toBe(true);
    await waitFor(async () => !(await agentUp()), "the console to see the agent gone", { timeoutMs: 30_000, intervalMs: 500 });

    const purge = await paste(`curl -fsSL ${consoleUrl}/install.sh | sh -s -- --uninstall --purge`);
    expect(purge.code, purge.out).toBe(0);
    expect(existsSync(machine.path(SYSTEM_DATA_DIR))).toBe(false);
  }, 120_000);

  it("as a user with --user: a user unit, lingering, its services user units; uninstall ends them", async () => {
    await api(`/api/agents/${agentId}`, { method: "DELETE" });
    const created = await api<{ command: string }>("/api/enrollments", { json: { name: "Fresh host", consoleUrl } });
    const home = "/home/sw";
    const run = await paste(`${created.command} --user`, { user: true });
    expect(run.out).toContain(`in ${home}/.local/opt/sysward (data: ${home}/.local/share/sysward)`);
    expect(run.code, run.out).toBe(0);
    expect(readFileSync(machine.path(`${home}/.config/systemd/user/sysward-agent.service`), "utf8")).toContain(`ExecStart=${home}/.local/opt/sysward/bin/sysward-agent`);
    expect((await machine.exec(["loginctl", "show-user", "sw", "-P", "Linger"])).stdout.trim()).toBe("yes");
    await waitFor(agentUp, "the console to reach the user's agent", { timeoutMs: 30_000, intervalMs: 500 });
    expect((await rpc<{ runtime: string }>("AgentInfo")).runtime).toBe("systemd");
    await installWorker();
    const userUnit = async () => (await machine.exec(["systemctl", "--user", "is-active", "sysward-worker.service"], { user: true })).stdout.trim();
    expect(await userUnit()).toBe("active");

    const gone = await paste(`sh ${home}/.local/opt/sysward/install.sh --uninstall --purge --user`, { user: true });
    expect(gone.code, gone.out).toBe(0);
    expect(await userUnit()).not.toBe("active");
    for (const path of [`${home}/.local/opt/sysward`, `${home}/.local/share/sysward`, `${home}/.config/systemd/user/sysward-agent.service`, `${home}/.config/systemd/user/sysward-worker.service`]) {
      expect(existsSync(machine.path(path)), path).toBe(false);
    }
  }, 180_000);

  it("a token the console refuses: the enrollment fails loudly and the agent is not started", async () => {
    const created = await api<{ command: string; token: string }>("/api/enrollments", { json: { name: "Refused host", consoleUrl } });
    const run = await paste(created.command.replace(created.token, "swe_not-a-token"));
    expect(run.code).not.toBe(0);
    expect(run.out).toContain("enrollment token missing, unknown, expired or already used");
    expect(run.out).toContain(`enrolling with ${consoleUrl} failed (above). The agent is installed but not enrolled`);
    expect((await machine.exec(["systemctl", "is-enabled", "sysward-agent.service"])).stdout.trim()).not.toBe("enabled");
    expect((await paste("sh /opt/sysward/install.sh --uninstall --purge")).code).toBe(0);
  }, 120_000);

  it("from a console served over https with a certificate this host trusts (an internal CA): the same one command installs, enrols, and the console reaches it", async () => {
    const pki = makeTestPki(`IP:${HOST_ADDRESS}`);
    const https = await forwardToLoopback(Number(new URL(console_.baseUrl).port), { tls: { cert: pki.server.cert, key: pki.server.key }, listenPort: 0 });
    try {
      // The host trusts the CA as Debian does: in its system bundle, which curl reads.
      mkdirSync(machine.path("/etc/ssl/certs"), { recursive: true });
      writeFileSync(machine.path("/etc/ssl/certs/ca-certificates.crt"), pki.ca);
      await api(`/api/agents/${agentId}`, { method: "DELETE" }).catch(() => undefined);
      const httpsUrl = `https://${https.address}`;
      const created = await api<{ command: string }>("/api/enrollments", { json: { name: "Fresh host", consoleUrl: httpsUrl } });
      // Over https the TLS connection vouches for what arrives: no pinned hashes, no --insecure-http.
      expect(created.command).toMatch(new RegExp(`^curl -fsSL ${httpsUrl.replaceAll(".", "\\.")}/install\\.sh \\| sh -s -- --console ${httpsUrl.replaceAll(".", "\\.")} --token swe_\\S+ --ca-sha256 \\S+$`));

      const run = await paste(created.command);
      expect(run.out).toContain(`enrolled with ${httpsUrl}`);
      expect(run.code, run.out).toBe(0);
      // The agent's own Node trusts what this host trusts, for its later calls to the console too.
      expect(readFileSync(machine.path("/etc/systemd/system/sysward-agent.service"), "utf8")).toContain("Environment=NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt");
      await waitFor(agentUp, "the console to reach the agent enrolled over https", { timeoutMs: 30_000, intervalMs: 500 });
      expect((await paste("sh /opt/sysward/install.sh --uninstall --purge")).code).toBe(0);
    } finally {
      rmSync(machine.path("/etc/ssl/certs/ca-certificates.crt"), { force: true });
      rmSync(pki.dir, { recursive: true, force: true });
      await https.close();
    }
  }, 120_000);
});
