// A machine added by SSH instead of enrollment, against a real OpenSSH server the spec starts itself
// (support/sshd.ts) and a real agent with its own data dir, whose socket the console reaches through
// the SSH connection (direct-streamlocal). First the CLI's way (host key shown, then pinned with
// --host-key, the console's key refused until it is in authorized_keys; removed again), then the browser's: fingerprint shown and trusted, an install, a
// version that fails its health window, the agent stopped and started, a changed host key refused.
import { expect, test } from "./fixtures";
import { AgentProcess } from "./support/agent-process";
import { answerOn, freePort } from "./support/host-checks";
import { crashingServicePackage, helloServicePackage } from "./support/package-zips";
import { Sshd, sshdSkipReason } from "./support/sshd";
import { buildCli, stderrLines, SyswardCli } from "./support/sysward-cli";

const skip = sshdSkipReason();

test.describe("a machine added by SSH", () => {
  test.skip(skip !== undefined, `skipped: ${skip}`);
  test.describe.configure({ mode: "serial" });

  const suffix = Date.now().toString(36);
  const name = `SSH ${suffix}`;
  const agentId = `ssh-${suffix}`; // the id the console makes from the name
  const service = "overssh";
  let sshd: Sshd;
  let machine: AgentProcess;
  let cli: SyswardCli;
  let cliEnv: NodeJS.ProcessEnv;
  let servicePort = 0;

  test.beforeAll(async ({ adminApi, stack }) => {
    const { root, dataDir } = AgentProcess.makeRoot("sysward-e2e-ssh-");
    machine = new AgentProcess(root, dataDir);
    await machine.start();
    sshd = await Sshd.start();
    servicePort = await freePort();
    buildCli();
    cli = new SyswardCli(root);
    const res = await adminApi.post("/api/tokens", { data: { name: `ssh-e2e-${suffix}` } });
    expect(res.status(), await res.text()).toBe(201);
    cliEnv = { SYSWARD_URL: stack.baseURL, SYSWARD_TOKEN: ((await res.json()) as { token: string }).token };
  });

  test.afterAll(async ({ adminApi }) => {
    await adminApi.delete(`/api/agents/${agentId}`);
    await sshd?.dispose();
    await machine?.dispose();
  });

  test("the CLI: the first add shows the host key and refuses; the console's key is refused until authorized; --host-key pins it; remove forgets it", async () => {
    const add = ["machines", "add", "--name", `CLI ${name}`, "--ssh", sshd.address, "--data-dir", machine.dataDir];
    const first = await cli.run(add, cliEnv);
    expect(first.code).toBe(1);
    expect(stderrLines(first)).toEqual([
      `sysward: not added: 127.0.0.1:${sshd.port} presents the SSH host key ssh-ed25519 ${sshd.fingerprint}`,
      "check it on the machine (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then pin it:",
      `  sysward machines add --name 'CLI ${name}' --ssh ${sshd.address} --host-key ${sshd.fingerprint} --data-dir ${machine.dataDir}`,
    ]);
    const wrong = await cli.run([...add, "--host-key", `SHA256:${"A".repeat(43)}`], cliEnv);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`is ssh-ed25519 ${sshd.fingerprint}, not SHA256:${"A".repeat(43)} as given: refused`);
    // The right host key, but the console's key is not in authorized_keys yet: refused, saying where to put it.
    const unauthorized = await cli.run([...add, "--host-key", sshd.fingerprint], cliEnv);
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr).toContain(`${sshd.address} refused the console's SSH key`);

    const key = await cli.run(["ssh-key"], cliEnv);
    expect(key.code, key.stderr).toBe(0);
    sshd.authorize(key.stdout);

    const added = await cli.run([...add, "--host-key", sshd.fingerprint, "--json"], cliEnv);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toEqual({ agent: { id: `cli-${agentId}`, name: `CLI ${name}`, address: `ssh://${sshd.address}${machine.dataDir}/agent.sock`, up: true } });
    const ls = await cli.run(["perf", `cli-${agentId}`], cliEnv);
    expect(ls.code, ls.stderr).toBe(0);

    const removed = await cli.run(["machines", "remove", `cli-${agentId}`], cliEnv);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe(`removed machine cli-${agentId} from the console (its agent keeps running there: uninstall it on the machine)\n`);
    expect((JSON.parse((await cli.run(["agents", "--json"], cliEnv)).stdout) as { agents: Array<{ id: string }> }).agents.map((a) => a.id)).not.toContain(`cli-${agentId}`);
  });

  test("the browser: Add machine's SSH form shows the host key's fingerprint; trusted, the machine is up", async ({ page, fleetPage, adminApi }) => {
    await fleetPage.open();
    await page.getByTestId("add-machine").click();
    // The key it shows is the one the CLI printed and sshd holds.
    const { publicKey } = (await (await adminApi.get("/api/ssh/key")).json()) as { publicKey: string };
    await expect(page.getByTestId("console-ssh-key")).toHaveText(publicKey);
    await page.getByTestId("ssh-name").fill(name);
    await page.getByTestId("ssh-address").fill(sshd.address);
    await page.getByTestId("ssh-data-dir").fill(machine.dataDir);
    await page.getByTestId("ssh-connect").click();
    // The host key was forgotten with the CLI's machine: first contact again.
    await expect(page.getByTestId("ssh-host-key")).toContainText(`127.0.0.1:${sshd.port} presents ssh-ed25519 ${sshd.fingerprint}`);
    await page.getByTestId("ssh-trust").click();
    await expect(page.getByTestId("add-machine-panel")).toHaveCount(0);
    await expect(fleetPage.agentCard(agentId)).toContainText(name);
    await expect(page.getByTestId(`fleet-agent-status-${agentId}`)).toHaveAttribute("data-tone", "up");
  });

  test("a package installed through the browser runs on it; a version that fails its health window leaves the previous one running", async ({ agentPage }) => {
    await agentPage.open(agentId);
    await agentPage.installPackage({ fileName: "ssh-v1.zip", zip: helloServicePackage({ port: servicePort, version: "ssh-v1" }), name: service, healthSeconds: 1 });
    await expect(agentPage.uploadResult).toContainText(`${service} is running version`, { timeout: 30_000 });
    await expect.poll(() => answerOn(servicePort)).toBe("hello from ssh-v1\n");
    expect(machine.serviceProcesses().map((p) => p.name)).toContain(service);
    // The services table follows the agent a moment after the upload's own answer.
    await expect(agentPage.serviceVersion(service)).toHaveText(/\S/, { timeout: 15_000 });
    const version = (await agentPage.serviceVersion(service).textContent()) ?? "";

    const message = "ssh-v2 cannot start: no config";
    await agentPage.installPackage({ fileName: "ssh-v2.zip", zip: crashingServicePackage({ message }), name: service, healthSeconds: 2 });
    await expect(agentPage.uploadError).toBeVisible({ timeout: 30_000 });
    await expect(agentPage.uploadLogLines).toContainText(message);
    await expect(agentPage.uploadPreviousRunning).toBeVisible();
    // Back on the previous version: the table shows it once the agent's restart of it settles.
    await expect(agentPage.serviceState(service)).toHaveText("Running", { timeout: 15_000 });
    await expect(agentPage.serviceVersion(service)).toHaveText(version, { timeout: 15_000 });
    expect(await answerOn(servicePort)).toBe("hello from ssh-v1\n");
  });

  test("its agent stopped: the machine shows down within seconds; started again: up", async ({ page, fleetPage }) => {
    await fleetPage.open();
    const status = page.getByTestId(`fleet-agent-status-${agentId}`);
    await expect(status).toHaveAttribute("data-tone", "up");
    await machine.stop();
    await expect(status).toHaveAttribute("data-tone", "down", { timeout: 10_000 });
    await machine.start();
    await expect(status).toHaveAttribute("data-tone", "up", { timeout: 15_000 });
  });

  test("a changed host key is refused with a clear message, in the fleet and when adding; the pinned key back, up again", async ({ page, fleetPage }) => {
    await fleetPage.open();
    const status = page.getByTestId(`fleet-agent-status-${agentId}`);
    await sshd.newHostKey();
    await expect(status).toHaveAttribute("data-tone", "down", { timeout: 10_000 });
    await expect(status).toHaveAttribute("title", /host key of 127\.0\.0\.1:\d+ changed/);

    await page.getByTestId("add-machine").click();
    await page.getByTestId("ssh-name").fill(`${name} again`);
    await page.getByTestId("ssh-address").fill(sshd.address);
    await page.getByTestId("ssh-data-dir").fill(machine.dataDir);
    await page.getByTestId("ssh-connect").click();
    await expect(page.getByTestId("add-by-ssh-error")).toContainText(`changed: the console pinned ssh-ed25519`);
    await expect(page.getByTestId("add-by-ssh-error")).toContainText(sshd.fingerprint);
    await expect(page.getByTestId("ssh-trust")).toHaveCount(0);
    await page.keyboard.press("Escape");

    await sshd.restoreHostKey();
    await expect(status).toHaveAttribute("data-tone", "up", { timeout: 20_000 });
  });
});
