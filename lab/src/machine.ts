// One lab machine: Debian with systemd as PID 1, booted by systemd-nspawn from an overlay of the
// cached image (so its own writes persist across a reboot and vanish with the machine), in its
// own network namespace. The checkout is bind-mounted read-only at its host path, the host's node
// at /usr/local/bin/node (neither on a `bare` machine), and `/lab` is a writable exchange directory
// shared with the host.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync, chownSync, closeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { check, run, type CommandResult } from "./command";
import { ensureImage } from "./image";
import { withLock } from "./lock";
import { createNetwork, removeNetwork, setLink, type MachineNetwork } from "./network";
import { childrenOf, processAlive } from "./processes";
import { readProcStat } from "../../apps/agent/src/runtime/proc-stat";
import { LAB_USER, MACHINES_DIR, NAME_PREFIX, REPO_DIR } from "./settings";

/** What a machine's directory records, so a later run can tear down what a killed one left. */
interface MachineRecord {
  name: string;
  hostname: string;
  index: number;
  ownerPid: number;
  nspawnPid?: number;
  network: MachineNetwork;
}

export interface ExecOptions {
  /** Run as the lab user (with its user manager's environment) instead of root. */
  user?: boolean;
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  input?: string;
  stream?: boolean;
}

export interface BootOptions {
  /** The machine's hostname (default: its generated name). */
  hostname?: string;
  /** A fresh server: no node at /usr/local/bin/node and no checkout bound in, only the image. */
  bare?: boolean;
  /**
   * Host tools copied in before the first boot (the image has neither curl nor wget, nor an SSH
   * server): the host's binary with the libraries it links that the image lacks (both are
   * bookworm). "sshd" is Debian's openssh-server binary alone: its config, host key, privilege
   * separation user and service are the test's to set up.
   */
  tools?: ReadonlyArray<keyof typeof TOOLS>;
}

const TOOLS = { curl: "/usr/bin/curl", sshd: "/usr/sbin/sshd" } as const;

const BOOT_TIMEOUT_MS = 90_000;
const POWEROFF_TIMEOUT_MS = 30_000;

export class LabMachine {
  private nspawnPid = 0;
  private initPid = 0;

  private constructor(
    private readonly record: MachineRecord,
    readonly dir: string,
    private readonly rootfs: string,
    private readonly bare: boolean,
  ) {}

  /** Makes a machine (overlay, network) and boots it. */
  static async boot(opts: BootOptions = {}): Promise<LabMachine> {
    await cleanupStaleMachines();
    const { rootfs } = await ensureImage((l) => console.log(l));
    mkdirSync(MACHINES_DIR, { recursive: true });
    const name = `${NAME_PREFIX}-${randomBytes(4).toString("hex")}`;
    const dir = join(MACHINES_DIR, name);
    const record = await withLock(join(MACHINES_DIR, ".lock"), async () => {
      const used = new Set(readRecords().map((r) => r.index));
      let index = 2;
      while (used.has(index)) index++;
      if (index > 254) throw new Error("lab: no free address (253 machines already)");
      mkdirSync(dir);
      const rec: MachineRecord = { name, hostname: opts.hostname ?? name, index, ownerPid: process.pid, network: { netns: name, veth: name, address: "" } };
      writeRecord(dir, rec);
      return rec;
    });
    for (const sub of ["upper", "work", "root", "exchange"]) mkdirSync(join(dir, sub));
    chownSync(join(dir, "exchange"), LAB_USER.uid, LAB_USER.uid);
    await check(["mount", "-t", "overlay", "overlay", "-o", `lowerdir=${rootfs},upperdir=${join(dir, "upper")},workdir=${join(dir, "work")}`, join(dir, "root")]);
    writeFileSync(join(dir, "root", "etc", "hostname"), `${record.hostname}\n`);
    // As Debian's installer writes it: the image has none, and without it "localhost" does not resolve.
    writeFileSync(join(dir, "root", "etc", "hosts"), `127.0.0.1\tlocalhost\n127.0.1.1\t${record.hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`);
    for (const tool of opts.tools ?? []) await copyToolIn(join(dir, "root"), TOOLS[tool]);
    record.network = await createNetwork(name, record.index);
    writeRecord(dir, record);
    const machine = new LabMachine(record, dir, rootfs, opts.bare ?? false);
    await machine.start();
    return machine;
  }

  get name(): string {
    return this.record.name;
  }

  get hostname(): string {
    return this.record.hostname;
  }

  /** Its address on the lab network. */
  get address(): string {
    return this.record.network.address;
  }

  /** The host path of `path` inside the running machine (through its init's root). */
  path(path: string): string {
    if (!this.initPid) throw new Error(`${this.name} is not running`);
    return `/proc/${this.initPid}/root${path}`;
  }

  /** The host path of the machine's `/lab` exchange directory. */
  get exchangeDir(): string {
    return join(this.dir, "exchange");
  }

  get running(): boolean {
    return this.nspawnPid > 0 && processAlive(this.nspawnPid);
  }

  /** Runs a command inside the machine; resolves with its exit and output whatever the code. */
  exec(argv: readonly string[], opts: ExecOptions = {}): Promise<CommandResult> {
    if (!this.initPid) throw new Error(`${this.name} is not running`);
    const env = { ...(opts.user ? userEnv() : rootEnv()), ...opts.env };
    const envArgs = ["env", "-i", ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
    const inner = opts.cwd ? ["sh", "-c", 'cd "$0" && exec "$@"', opts.cwd, ...argv] : [...argv];
    const asUser = opts.user ? ["runuser", "-u", LAB_USER.name, "--"] : [];
    return run(["nsenter", "-t", String(this.initPid), "-a", "-r", "-w", "--", ...asUser, ...envArgs, ...inner], {
      timeoutMs: opts.timeoutMs ?? 60_000,
      ...(opts.input !== undefined ? { input: opts.input } : {}),
      ...(opts.stream ? { stream: true } : {}),
    });
  }

  /** exec(), failing on a non-zero exit; resolves with stdout. */
  async checkExec(argv: readonly string[], opts: ExecOptions = {}): Promise<string> {
    const r = await this.exec(argv, opts);
    if (r.code !== 0) throw new Error(`${this.hostname}: ${argv.join(" ")} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(-3000)}`);
    return r.stdout;
  }

  /** A shell script inside the machine (sh -e), failing on a non-zero exit. */
  sh(script: string, opts: ExecOptions = {}): Promise<string> {
    return this.checkExec(["sh", "-ec", script], opts);
  }

  /** Clean shutdown (`systemctl poweroff`), as an operator would; SIGKILL if it hangs. */
  async poweroff(): Promise<void> {
    if (!this.running) return;
    await this.exec(["systemctl", "poweroff"], { timeoutMs: 10_000 });
    if (!(await this.waitExit(POWEROFF_TIMEOUT_MS))) {
      process.kill(this.nspawnPid, "SIGKILL");
      await this.waitExit(10_000);
    }
    this.nspawnPid = 0;
    this.initPid = 0;
  }

  /** Power off and boot again from the same disk (an nspawn reboot would end nspawn anyway). */
  async reboot(): Promise<void> {
    await this.poweroff();
    await this.start();
  }

  /** Pulls (false) or plugs back (true) the machine's network cable. */
  setNetwork(up: boolean): Promise<void> {
    return setLink(this.record.network, up);
  }

  /** Powers off and removes everything of the machine from the host. */
  async destroy(): Promise<void> {
    await this.poweroff().catch(() => undefined);
    await teardown(this.dir, this.record);
  }

  private async start(): Promise<void> {
    const consoleLog = openSync(join(this.dir, "console.log"), "a");
    const args = [
      "-D", join(this.dir, "root"),
      "--register=no", "--keep-unit", // no machined on the host; stay in the caller's cgroup
      "-M", this.record.name,
      `--hostname=${this.record.hostname}`,
      `--network-namespace-path=/run/netns/${this.record.network.netns}`,
      "--console=read-only",
      ...(this.bare ? [] : ["--bind-ro=/usr/bin/node:/usr/local/bin/node", `--bind-ro=${REPO_DIR}:${REPO_DIR}`]),
      `--bind=${this.exchangeDir}:/lab`,
      "-b",
    ];
    const child = spawn("systemd-nspawn", args, { detached: true, stdio: ["ignore", consoleLog, consoleLog] });
    closeSync(consoleLog);
    child.unref();
    if (!child.pid) throw new Error("lab: systemd-nspawn did not start");
    this.nspawnPid = child.pid;
    this.record.nspawnPid = child.pid;
    writeRecord(this.dir, this.record);
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    while (!this.initPid) {
      if (!processAlive(child.pid)) throw new Error(`lab: ${this.hostname} did not boot:\n${this.consoleTail()}`);
      if (Date.now() > deadline) throw new Error(`lab: ${this.hostname} had no init after ${BOOT_TIMEOUT_MS} ms:\n${this.consoleTail()}`);
      // nspawn's child becomes the container's init once it has exec'd systemd.
      this.initPid = childrenOf(child.pid).find((pid) => commOf(pid) === "systemd") ?? 0;
      if (!this.initPid) await sleep(50);
    }
    // systemd's own "boot finished", then the lab user's manager (lingering) up as well.
    const left = () => Math.max(1_000, deadline - Date.now());
    for (;;) {
      // "offline" until systemd's bus is up; --wait then waits for the end of the boot.
      const system = await this.exec(["systemctl", "is-system-running", "--wait"], { timeoutMs: left() });
      const state = system.stdout.trim();
      if (state === "running" || state === "degraded") break;
      if ((state !== "offline" && state !== "") || Date.now() > deadline) {
        throw new Error(`lab: ${this.hostname} booted to "${state}": ${system.stderr}\n${await this.failedUnits()}`);
      }
      await sleep(100);
    }
    for (;;) {
      const user = await this.exec(["systemctl", "--user", "is-system-running", "--wait"], { user: true, timeoutMs: left() });
      if (["running", "degraded"].includes(user.stdout.trim())) break;
      if (Date.now() > deadline) throw new Error(`lab: ${this.hostname}: the user manager of ${LAB_USER.name} is "${user.stdout.trim()}": ${user.stderr}`);
      await sleep(200);
    }
  }

  private async failedUnits(): Promise<string> {
    return (await this.exec(["systemctl", "--failed", "--no-legend"])).stdout;
  }

  private consoleTail(): string {
    try {
      return readFileSync(join(this.dir, "console.log"), "utf8").slice(-3000);
    } catch {
      return "(no console output)";
    }
  }

  private async waitExit(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (processAlive(this.nspawnPid) && !isZombie(this.nspawnPid)) {
      if (Date.now() > deadline) return false;
      await sleep(100);
    }
    return true;
  }
}

/** Copies a host binary into the machine's root (its overlay) with the shared libraries it needs that the image lacks. */
async function copyToolIn(root: string, binary: string): Promise<void> {
  if (!existsSync(binary)) throw new Error(`lab: ${binary} is not installed on the host`);
  const libs = (await check(["ldd", binary]))
    .split("\n")
    .map((line) => /=> (\/\S+)/.exec(line)?.[1])
    .filter((p): p is string => !!p);
  for (const file of [binary, ...libs]) {
    // Into the real directory (/lib is a link to usr/lib on both), under the name the loader asks for.
    const target = join(root, dirname(realpathSync(file)), basename(file));
    if (file !== binary && existsSync(target)) continue;
    copyFileSync(file, target);
  }
}

function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return undefined;
  }
}

function isZombie(pid: number): boolean {
  const state = readProcStat(pid)?.state;
  return state === undefined || state === "Z";
}

const PATH = "/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin";

function rootEnv(): Record<string, string> {
  return { PATH, HOME: "/root", LANG: "C.UTF-8" };
}

/** The lab user's login environment: what its user manager and `systemctl --user` need. */
function userEnv(): Record<string, string> {
  const run = `/run/user/${LAB_USER.uid}`;
  return {
    PATH,
    HOME: `/home/${LAB_USER.name}`,
    USER: LAB_USER.name,
    LOGNAME: LAB_USER.name,
    LANG: "C.UTF-8",
    XDG_RUNTIME_DIR: run,
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${run}/bus`,
  };
}

function writeRecord(dir: string, rec: MachineRecord): void {
  writeFileSync(join(dir, "machine.json"), JSON.stringify(rec));
}

function readRecords(): Array<MachineRecord & { dir: string }> {
  const out: Array<MachineRecord & { dir: string }> = [];
  let names: string[] = [];
  try {
    names = readdirSync(MACHINES_DIR).filter((n) => n.startsWith(`${NAME_PREFIX}-`));
  } catch {
    return out;
  }
  for (const n of names) {
    const dir = join(MACHINES_DIR, n);
    try {
      out.push({ ...(JSON.parse(readFileSync(join(dir, "machine.json"), "utf8")) as MachineRecord), dir });
    } catch {
      // half-made: its owner may still be writing it, or died before; cleanup decides by age
      out.push({ name: n, hostname: n, index: -1, ownerPid: 0, network: { netns: n, veth: n, address: "" }, dir });
    }
  }
  return out;
}

async function teardown(dir: string, rec: MachineRecord): Promise<void> {
  if (rec.nspawnPid && processAlive(rec.nspawnPid)) {
    try {
      if (readFileSync(`/proc/${rec.nspawnPid}/cmdline`, "utf8").includes(dir)) process.kill(rec.nspawnPid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
    const deadline = Date.now() + 10_000;
    while (processAlive(rec.nspawnPid) && !isZombie(rec.nspawnPid) && Date.now() < deadline) await sleep(100);
  }
  await run(["umount", "-l", join(dir, "root")]);
  await removeNetwork(rec.network);
  rmSync(dir, { recursive: true, force: true });
}

/** Tears down machines whose owner process is gone (a run that was killed before its cleanup). */
export async function cleanupStaleMachines(): Promise<number> {
  mkdirSync(MACHINES_DIR, { recursive: true });
  return withLock(join(MACHINES_DIR, ".lock"), async () => {
    let n = 0;
    for (const rec of readRecords()) {
      if (rec.ownerPid && processAlive(rec.ownerPid)) continue;
      await teardown(rec.dir, rec);
      n++;
    }
    return n;
  });
}
