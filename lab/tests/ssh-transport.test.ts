// A machine added to the console by SSH (`sw@10.231.0.N`) instead of enrollment, against a real
// OpenSSH server: the host's Debian /usr/sbin/sshd copied into a lab machine (the image has none,
// and its package list stays as it is). The console's route handlers run in this process, as
// apps/console/lib/server/agents/remote-agent.test.ts runs them; the agent is the lab user's.
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as debugVarsRoute from "@/app/agents/[agentId]/debug/vars/route";
import * as agentsRoute from "@/app/api/agents/route";
import * as sshKeyRoute from "@/app/api/ssh/key/route";
import * as sshMachinesRoute from "@/app/api/ssh/machines/route";
import { closeAgentConnections } from "../../apps/console/lib/server/agents/agent-connection";
import { closeSshLinks } from "../../apps/console/lib/server/agents/ssh/machine-links";
import { createSession } from "../../apps/console/lib/server/auth/sessions";
import { createUser } from "../../apps/console/lib/server/auth/users";
import { getDb } from "../../apps/console/lib/server/db/database";
import { consoleRequest, setupConsoleTestEnv, type ConsoleTestEnv } from "../../apps/console/lib/server/testing/console-test-env";
import { proxiedAgentClient } from "../../apps/console/lib/server/testing/rpc-client";
import { waitFor } from "../../apps/agent/src/runtime/testing/wait-for";
import { installSystemAgent, installUserAgent, SYSTEM_DATA_DIR, type LabAgent } from "../src/agent";
import { labSkipReason } from "../src/availability";
import { LabMachine } from "../src/machine";
import { LAB_USER } from "../src/settings";

const skip = labSkipReason() ?? (existsSync("/usr/sbin/sshd") ? undefined : "no /usr/sbin/sshd on the host (apt-get install openssh-server)");

const SSHD_CONFIG = `Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
AllowStreamLocalForwarding yes
PidFile /run/sshd.pid
`;

const SSHD_UNIT = `[Service]
ExecStart=/usr/sbin/sshd -D -e -f /etc/ssh/sshd_config
RuntimeDirectory=sshd
# systemd cannot kill a cgroup inside nspawn here: stopping would wait out its timeout.
KillMode=process
`;

/** "SHA256:…" of a public key file, as OpenSSH prints it. */
function fingerprintOf(pubPath: string): string {
  const r = spawnSync("ssh-keygen", ["-lf", pubPath], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ssh-keygen -lf: ${r.stderr}`);
  return r.stdout.split(" ")[1]!;
}

describe.skipIf(skip)(`a machine added by SSH, through a real OpenSSH server${skip ? ` — skipped: ${skip}` : ""}`, () => {
  let env: ConsoleTestEnv;
  let machine: LabMachine;
  let agent: LabAgent;
  let admin: string;
  let viewer: string;
  let hostKey: string;
  let sshTarget: string;
  const keyPath = "/etc/ssh/ssh_host_ed25519_key";

  /** A new ed25519 host key, made on the host into the machine's /etc/ssh. */
  const newHostKey = (path: string) => {
    const r = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "lab-ssh", "-f", path], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`ssh-keygen: ${r.stderr}`);
    return fingerprintOf(`${path}.pub`);
  };
  /**
   * (Re)starts sshd (a unit of its own). Every sshd process, the per-connection ones included, is
   * ended by pid first (systemd cannot kill the unit's cgroup inside nspawn here), so a restart
   * drops the console's connection as a real one would.
   */
  const startSshd = () =>
    machine.sh(
      [
        'for d in /proc/[0-9]*; do [ "$(cat "$d/comm" 2>/dev/null)" = sshd ] && kill "${d#/proc/}" 2>/dev/null || true; done',
        "systemctl restart lab-sshd.service",
      ].join("\n"),
    );
  const addBySsh = async (body: Record<string, unknown>) => {
    const res = await sshMachinesRoute.POST(consoleRequest("/api/ssh/machines", { json: { name: "Lab SSH", ssh: sshTarget, ...body }, session: admin }));
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: string } };
  };
  const agentUp = async (id: string) => {
    const list = (await (await agentsRoute.GET(consoleRequest("/api/agents", { session: viewer }))).json()) as { agents: Array<{ id: string; up: boolean }> };
    return list.agents.find((a) => a.id === id)?.up;
  };

  beforeAll(async () => {
    env = setupConsoleTestEnv();
    machine = await LabMachine.boot({ hostname: "lab-ssh", tools: ["sshd"] });
    agent = await installUserAgent(machine);
    sshTarget = `${LAB_USER.name}@${machine.address}`;
    mkdirSync(machine.path("/etc/ssh"), { recursive: true });
    writeFileSync(machine.path("/etc/ssh/sshd_config"), SSHD_CONFIG);
    writeFileSync(machine.path("/etc/systemd/system/lab-sshd.service"), SSHD_UNIT);
    hostKey = newHostKey(machine.path(keyPath));
    // sshd's privilege separation user; the lab user's password field "*" (no password, not locked: sshd refuses a locked account without PAM).
    await machine.sh(`useradd --system --no-create-home --home-dir /run/sshd --shell /usr/sbin/nologin sshd; usermod -p '*' ${LAB_USER.name}; systemctl daemon-reload`);
    await startSshd();
    admin = createSession((await createUser({ username: "admin1", password: "admin password", role: "admin" })).id, null).id;
    viewer = createSession((await createUser({ username: "viewer1", password: "viewer password", role: "viewer" })).id, null).id;
  }, 240_000);

  afterAll(async () => {
    closeAgentConnections();
    closeSshLinks();
    await machine?.destroy();
    await env?.cleanup();
  });

  it("first contact shows the host key's fingerprint to confirm, and refuses another one given", async () => {
    const first = await addBySsh({});
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ confirm: { host: `${machine.address}:22`, hostKey: { keyType: "ssh-ed25519", fingerprint: hostKey } } });
    const wrong = await addBySsh({ hostKeyFingerprint: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatch(/host key of .* is ssh-ed25519 SHA256:.*, not SHA256:AAAA.* as given: refused/);
  });

  it("a console key not in authorized_keys is refused with the reason", async () => {
    const res = await addBySsh({ hostKeyFingerprint: hostKey });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain(`${sshTarget}:22 refused the console's SSH key`);
    expect(res.body.error).toContain(`~${LAB_USER.name}/.ssh/authorized_keys`);
  });

  it("with the console's public key in authorized_keys: added, and RPCs and /debug/vars answer through the proxy", async () => {
    const keyRes = await sshKeyRoute.GET(consoleRequest("/api/ssh/key", { session: admin }));
    const { publicKey } = (await keyRes.json()) as { publicKey: string };
    expect(publicKey).toMatch(/^ssh-ed25519 AAAA\S+ sysward-console@/);
    expect((await sshKeyRoute.GET(consoleRequest("/api/ssh/key", { session: viewer }))).status).toBe(403);
    const ssh = machine.path(`/home/${LAB_USER.name}/.ssh`);
    mkdirSync(ssh, { mode: 0o700, recursive: true });
    writeFileSync(join(ssh, "authorized_keys"), `${publicKey}\n`, { mode: 0o600 });
    chownSync(ssh, LAB_USER.uid, LAB_USER.uid);
    chownSync(join(ssh, "authorized_keys"), LAB_USER.uid, LAB_USER.uid);

    const res = await addBySsh({ hostKeyFingerprint: hostKey });
    expect(res.status, res.body.error).toBe(201);
    expect(res.body).toEqual({ agent: { id: "lab-ssh", name: "Lab SSH", address: `ssh://${sshTarget}:22/home/${LAB_USER.name}/.local/share/sysward/agent.sock`, up: true } });

    const info = await proxiedAgentClient("lab-ssh", viewer).agentInfo({});
    expect(info.hostname).toBe("lab-ssh");
    expect(info.runtime).toBe("systemd");
    const vars = await debugVarsRoute.GET(consoleRequest("/agents/lab-ssh/debug/vars", { session: viewer }), { params: Promise.resolve({ agentId: "lab-ssh" }) });
    expect(vars.status).toBe(200);
    expect(await vars.json()).toHaveProperty("cmdline");
    // The token was read over SSH and is stored sealed only.
    getDb().pragma("wal_checkpoint(TRUNCATE)");
    expect(readFileSync(join(env.consoleDataDir, "console.sqlite")).toString("latin1")).not.toContain(agent.token());
  });

  it("agent stopped: down within seconds and calls fail fast; started again: up", async () => {
    await machine.sh("systemctl --user stop sysward-agent.service", { user: true });
    const started = Date.now();
    expect(await agentUp("lab-ssh")).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(proxiedAgentClient("lab-ssh", viewer).agentInfo({})).rejects.toThrow(/unavailable/i);
    await machine.sh("systemctl --user start sysward-agent.service", { user: true });
    await waitFor(() => agentUp("lab-ssh"), "the agent up again through SSH", { timeoutMs: 20_000, intervalMs: 300 });
    expect((await proxiedAgentClient("lab-ssh", viewer).agentInfo({})).hostname).toBe("lab-ssh");
  });

  it("a changed host key is refused with a clear message; the pinned one back, it is up again", async () => {
    const original = readFileSync(machine.path(keyPath));
    const originalPub = readFileSync(machine.path(`${keyPath}.pub`));
    spawnSync("rm", ["-f", machine.path(keyPath), machine.path(`${keyPath}.pub`)]);
    const other = newHostKey(machine.path(keyPath));
    expect(other).not.toBe(hostKey);
    // Restarting sshd ends the console's SSH connection: the next one meets the new key.
    await startSshd();
    await waitFor(async () => (await agentUp("lab-ssh")) === false, "the agent down once sshd has the new key", { timeoutMs: 20_000, intervalMs: 300 });
    await expect(proxiedAgentClient("lab-ssh", viewer).agentInfo({})).rejects.toThrow(/unavailable/i);
    // Adding it again under another id does not re-pin it either, and says why.
    const again = await addBySsh({ id: "lab-ssh-2", hostKeyFingerprint: other });
    expect(again.status).toBe(400);
    expect(again.body.error).toMatch(/SSH host key of .* changed: the console pinned ssh-ed25519 SHA256:.*, the machine now presents ssh-ed25519 SHA256:.*refused/);

    writeFileSync(machine.path(keyPath), original, { mode: 0o600 });
    writeFileSync(machine.path(`${keyPath}.pub`), originalPub);
    await startSshd();
    await waitFor(() => agentUp("lab-ssh"), "the agent up again with the pinned host key", { timeoutMs: 45_000, intervalMs: 500 });
  }, 90_000);

  it("the machine's cable pulled: down within seconds, the page never hangs; plugged back: up", async () => {
    await machine.setNetwork(false);
    try {
      const started = Date.now();
      await waitFor(async () => (await agentUp("lab-ssh")) === false, "the agent down with the cable pulled", { timeoutMs: 15_000, intervalMs: 200 });
      expect(Date.now() - started).toBeLessThan(15_000);
      const list = Date.now();
      await agentUp("lab-ssh");
      expect(Date.now() - list).toBeLessThan(3_000);
    } finally {
      await machine.setNetwork(true);
    }
    await waitFor(() => agentUp("lab-ssh"), "the agent up again with the cable back", { timeoutMs: 45_000, intervalMs: 500 });
  }, 90_000);

  it("root's system agent (what install.sh sets up as root), added as root@host with no data dir: the console finds it in /var/lib/sysward", async () => {
    const system = await installSystemAgent(machine);
    const { publicKey } = (await (await sshKeyRoute.GET(consoleRequest("/api/ssh/key", { session: admin }))).json()) as { publicKey: string };
    mkdirSync(machine.path("/root/.ssh"), { mode: 0o700, recursive: true });
    writeFileSync(machine.path("/root/.ssh/authorized_keys"), `${publicKey}\n`, { mode: 0o600 });
    // (No password, not locked: sshd without PAM refuses a locked account.)
    await machine.sh("usermod -p '*' root");
    const res = await sshMachinesRoute.POST(consoleRequest("/api/ssh/machines", { json: { name: "Lab SSH root", ssh: `root@${machine.address}`, hostKeyFingerprint: hostKey }, session: admin }));
    const body = (await res.json()) as { agent?: { address: string }; error?: string };
    expect(res.status, body.error).toBe(201);
    expect(body.agent?.address).toBe(`ssh://root@${machine.address}:22${SYSTEM_DATA_DIR}/agent.sock`);
    const info = await proxiedAgentClient("lab-ssh-root", viewer).agentInfo({});
    expect(info.hostname).toBe("lab-ssh");
    // The system agent's, not the user's: it runs as root and its services would get uids of their own.
    expect(info.isolation?.separateUsers).toBe(true);
    expect(system.token()).not.toBe(agent.token());
  });
});
